package abi

import (
	"bytes"
	"encoding/json"
	"io"
)

// EncodeRequest returns the wire form of a valid request.
func EncodeRequest(r *Request) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return encode(r, MaxRequestSize)
}

// DecodeRequest reads one request of at most MaxRequestSize bytes from rd
// and validates it.
func DecodeRequest(rd io.Reader) (*Request, error) {
	var r Request
	if err := decode(rd, MaxRequestSize, &r); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// EncodeResult returns the wire form of a valid result.
func EncodeResult(r *Result) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return encode(r, MaxResultSize)
}

// DecodeResult parses one result from b, which must hold exactly one JSON
// object of at most MaxResultSize bytes, and validates it.
func DecodeResult(b []byte) (*Result, error) {
	var r Result
	if err := decode(bytes.NewReader(b), MaxResultSize, &r); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func encode(v any, max int) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, malformed("encoded message is %d bytes (at most %d)", len(b), max)
	}
	return b, nil
}

// decode reads at most max bytes and requires exactly one JSON value in
// them whose fields are all known to v's type.
func decode(rd io.Reader, max int, v any) error {
	b, err := io.ReadAll(io.LimitReader(rd, int64(max)+1))
	if err != nil {
		return malformed("reading message: %v", err)
	}
	if len(b) > max {
		return malformed("message is longer than %d bytes", max)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed("data after the message")
	}
	return nil
}
