package qcow2

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error returned by this package wraps one of them.
var (
	// ErrNotQcow2 means the bytes do not start with the qcow2 magic; a
	// detector trying several formats moves on to the next one.
	ErrNotQcow2 = errors.New("qcow2: not a qcow2 image")
	// ErrTruncated means the file ends before a structure it declares.
	ErrTruncated = errors.New("qcow2: image truncated")
	// ErrMalformed means a header field is out of range or inconsistent.
	ErrMalformed = errors.New("qcow2: malformed image")
	// ErrUnsupportedFeature means the image uses incompatible feature bits
	// this package (and qemu-img 7.2) does not know; qemu refuses to open it.
	ErrUnsupportedFeature = errors.New("qcow2: unsupported feature")
	// ErrInvalidOption means an Options value is out of range or
	// contradicts another option.
	ErrInvalidOption = errors.New("qcow2: invalid option")
	// ErrUnsupportedOption means an option qemu-img knows but this package
	// deliberately does not implement (data_file, encrypt.*).
	ErrUnsupportedOption = errors.New("qcow2: unsupported option")
	// ErrTooLarge means the virtual size exceeds what qemu-img accepts for
	// the cluster size (see MaxVirtualSize).
	ErrTooLarge = errors.New("qcow2: image size too large")
)

// FormatError reports a problem at a byte offset of a qcow2 file.
type FormatError struct {
	Offset int64  // byte offset in the file of the offending field
	Field  string // name of the field, as in docs/interop/qcow2.txt
	Msg    string // what is wrong with it
	Err    error  // sentinel: ErrNotQcow2, ErrTruncated, ErrMalformed, …
}

// Error names the field, its offset and the problem.
func (e *FormatError) Error() string {
	return fmt.Sprintf("qcow2: %s at offset %d: %s", e.Field, e.Offset, e.Msg)
}

// Unwrap returns the sentinel the error wraps.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(off int64, field string, sentinel error, format string, args ...any) error {
	return &FormatError{Offset: off, Field: field, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
