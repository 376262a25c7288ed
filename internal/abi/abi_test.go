package abi

import (
	"errors"
	"strings"
	"testing"
)

func validCreate() *Request {
	return &Request{Version: Version, Op: OpCreate, Create: &CreateRequest{
		Filename: "c.qcow2", Format: "qcow2", Options: []string{"cluster_size=512"},
		BackingFile: "p.vhdx", BackingFormat: "vhdx", BackingSize: 4096,
	}}
}

func TestRequestRoundTrip(t *testing.T) {
	for _, req := range []*Request{
		validCreate(),
		{Version: Version, Op: OpInfo, Info: &InfoRequest{Format: "vmdk", ImageSize: 1 << 20}},
	} {
		b, err := EncodeRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeRequest(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		again, _ := EncodeRequest(got)
		if string(again) != string(b) {
			t.Errorf("round trip changed the request:\n%s\n%s", b, again)
		}
	}
}

func TestDecodeRequestRefuses(t *testing.T) {
	long := strings.Repeat("a", MaxNameLen+1)
	for name, wire := range map[string]string{
		"empty":          ``,
		"not json":       `hello`,
		"null":           `null`,
		"version 0":      `{"version":0,"op":"info","info":{"image_size":1}}`,
		"version 2":      `{"version":2,"op":"info","info":{"image_size":1}}`,
		"unknown op":     `{"version":1,"op":"delete","info":{"image_size":1}}`,
		"unknown field":  `{"version":1,"op":"info","info":{"image_size":1},"exec":"/bin/sh"}`,
		"nested unknown": `{"version":1,"op":"info","info":{"image_size":1,"path":"/etc"}}`,
		"two bodies":     `{"version":1,"op":"info","info":{"image_size":1},"create":{"filename":"a","format":"qcow2","backing_size":-1}}`,
		"wrong body":     `{"version":1,"op":"create","info":{"image_size":1}}`,
		"no body":        `{"version":1,"op":"create"}`,
		"negative size":  `{"version":1,"op":"info","info":{"image_size":-5}}`,
		"backing -2":     `{"version":1,"op":"create","create":{"filename":"a","format":"qcow2","backing_size":-2}}`,
		"trailing data":  `{"version":1,"op":"info","info":{"image_size":1}} {}`,
		"wrong type":     `{"version":1,"op":"info","info":{"image_size":"1"}}`,
		"long name":      `{"version":1,"op":"create","create":{"filename":"` + long + `","format":"qcow2","backing_size":-1}}`,
		"oversized":      `{"version":1,"op":"info","info":{"image_size":1}}` + strings.Repeat(" ", MaxRequestSize),
	} {
		if _, err := DecodeRequest(strings.NewReader(wire)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestTooManyOptionsRefused(t *testing.T) {
	req := validCreate()
	req.Create.Options = make([]string, MaxOptions+1)
	if _, err := EncodeRequest(req); !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
}

func TestResultRoundTripAndRefusals(t *testing.T) {
	ok := &Result{Version: Version, Op: OpCreate, Create: &CreateResult{
		VirtualSize: 1 << 20, UnitSize: 65536, BytesWritten: 196608, FileSize: 1 << 21,
		BackingFormat: "vhdx", BackingVirtualSize: 1 << 20,
		Preallocate: []Range{{Offset: 196608, Length: 4096}, {Offset: 1 << 20, Length: 1 << 20}}, Warnings: []string{"w"},
	}}
	b, err := EncodeResult(ok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeResult(b); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	inf := []byte(`{"version":1,"op":"info","code":0,"info":{"format":"raw","virtual_size":1,"has_dirty_flag":true}}`)
	if r, err := DecodeResult(inf); err != nil || r.Info.VirtualSize != 1 {
		t.Fatalf("decode %s: %v", inf, err)
	}
	for name, wire := range map[string]string{
		"failure with body": `{"version":1,"op":"create","code":7,"create":{"virtual_size":0,"unit_size":0,"bytes_written":0,"file_size":0}}`,
		"success no body":   `{"version":1,"op":"create","code":0}`,
		"negative size":     `{"version":1,"op":"create","code":0,"create":{"virtual_size":-1,"unit_size":0,"bytes_written":0,"file_size":0}}`,
		"too many warnings": `{"version":1,"op":"create","code":0,"create":{"virtual_size":1,"unit_size":0,"bytes_written":0,"file_size":0,"warnings":[` + strings.Repeat(`"w",`, MaxWarnings) + `"w"]}}`,
		"long detail":       `{"version":1,"op":"create","code":3,"detail":"` + strings.Repeat("d", MaxDetailLen+1) + `"}`,
		"range past end":    `{"version":1,"op":"create","code":0,"create":{"virtual_size":1,"unit_size":0,"bytes_written":0,"file_size":100,"preallocate":[{"offset":50,"length":51}]}}`,
		"range overlap":     `{"version":1,"op":"create","code":0,"create":{"virtual_size":1,"unit_size":0,"bytes_written":0,"file_size":100,"preallocate":[{"offset":10,"length":20},{"offset":20,"length":5}]}}`,
		"range overflow":    `{"version":1,"op":"create","code":0,"create":{"virtual_size":1,"unit_size":0,"bytes_written":0,"file_size":100,"preallocate":[{"offset":10,"length":9223372036854775807}]}}`,
		"empty range":       `{"version":1,"op":"create","code":0,"create":{"virtual_size":1,"unit_size":0,"bytes_written":0,"file_size":100,"preallocate":[{"offset":10,"length":0}]}}`,
		"code overflow":     `{"version":1,"op":"create","code":65536}`,
		"unknown code":      `{"version":1,"op":"create","code":65535}`,
		"info no body":      `{"version":1,"op":"info","code":0}`,
		"info bad image":    `{"version":1,"op":"info","code":0,"info":{"format":"qcow3","virtual_size":1,"has_dirty_flag":true}}`,
		"info with create":  `{"version":1,"op":"info","code":0,"info":{"format":"raw","virtual_size":1,"has_dirty_flag":true},"create":{"virtual_size":0,"unit_size":0,"bytes_written":0,"file_size":0}}`,
		"info unknown key":  `{"version":1,"op":"info","code":0,"info":{"format":"raw","virtual_size":1,"has_dirty_flag":true,"evil":1}}`,
		"unknown field":     `{"version":1,"op":"create","code":3,"stderr":"x"}`,
	} {
		if _, err := DecodeResult([]byte(wire)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, spaces":   "plain text, spaces",
		"caf\u00e9 ok":         "caf\u00e9 ok",
		"\x1b[2Jgone":          `\x1b[2Jgone`,
		"a\nb\rc\td":           `a\x0ab\x0dc\x09d`,
		"bell\x07":             `bell\x07`,
		"bad\xffutf8":          `bad\xffutf8`,
		"csi\u009bx":           `csi\x9bx`,
		"left\u202eright":      `left\u202eright`,
		"isolate\u2066x\u2069": `isolate\u2066x\u2069`,
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzDecodeResult(f *testing.F) {
	f.Add([]byte(`{"version":1,"op":"create","code":0,"create":{"virtual_size":1,"unit_size":0,"bytes_written":0,"file_size":1}}`))
	f.Add([]byte(`{"version":1,"op":"info","code":12,"detail":"bad \u001b"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResult(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if _, err := EncodeResult(r); err != nil {
			t.Fatalf("a decoded result does not re-encode: %v", err)
		}
		if s := Sanitize(r.Detail); !isClean(s) {
			t.Fatalf("Sanitize left hidden characters in %q", s)
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	b, _ := EncodeRequest(validCreate())
	f.Add(b)
	f.Add([]byte(`{"version":1,"op":"info","info":{"format":"qcow2","image_size":512}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(strings.NewReader(string(b)))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if _, err := EncodeRequest(r); err != nil {
			t.Fatalf("a decoded request does not re-encode: %v", err)
		}
	})
}
