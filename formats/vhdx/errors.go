package vhdx

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Parse returns for a problem in the image is a
// *FormatError that wraps one of these, so callers can test the class with
// errors.Is and the details with errors.As.
var (
	// ErrNotVHDX means the bytes are not a VHDX file at all: the file type
	// identifier "vhdxfile" is missing or the file is too short to hold one.
	// A caller probing several formats moves on to the next one.
	ErrNotVHDX = errors.New("vhdx: not a VHDX image")

	// ErrCorrupt means the file claims to be VHDX but a structure is
	// damaged or inconsistent: a bad checksum in every copy, a field out of
	// the range the specification allows, a region beyond the end of the
	// file, overlapping regions, a duplicate or missing metadata item.
	ErrCorrupt = errors.New("vhdx: corrupt image")

	// ErrUnsupported means the image is well formed but uses something this
	// package does not understand and the specification says a reader must
	// then refuse it: an unknown region or metadata item marked required,
	// or a header version other than 1.
	ErrUnsupported = errors.New("vhdx: unsupported image")
)

// Sentinel errors for Options and PlanImage. Every option problem is an
// *OptionError that wraps one of these.
var (
	// ErrInvalidOption means an option value is outside what qemu-img 7.2
	// accepts for vhdx.
	ErrInvalidOption = errors.New("vhdx: invalid option")

	// ErrTooLarge means the virtual size exceeds MaxVirtualSize.
	ErrTooLarge = errors.New("vhdx: virtual size too large")

	// ErrPathNotRepresentable means a parent path cannot be stored in a
	// VHDX parent locator in the form its key requires.
	ErrPathNotRepresentable = errors.New("vhdx: parent path not representable")
)

// FormatError reports a problem in the bytes of an image: which structure
// and field, where in the file, and what was wrong.
type FormatError struct {
	// Offset is the byte offset in the file of the field that is wrong.
	Offset int64
	// Field names the structure and field, e.g. "region table 1 checksum".
	Field string
	// Msg says what was wrong with it and, where useful, what to try.
	Msg string
	// Err is the sentinel class: ErrNotVHDX, ErrCorrupt or ErrUnsupported.
	Err error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("vhdx: %s at offset %d (%#x): %s", e.Field, e.Offset, e.Offset, e.Msg)
}

// Unwrap returns the sentinel class of the error.
func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a *FormatError; it keeps the call sites short.
func formatErr(class error, off int64, field, format string, args ...any) error {
	return &FormatError{Offset: off, Field: field, Msg: fmt.Sprintf(format, args...), Err: class}
}

// OptionError reports one option that PlanImage or Options.Validate refuses.
type OptionError struct {
	// Option is qemu-img's name for the option ("size", "block_size",
	// "log_size", "subformat", "block_state_zero", "parent", ...).
	Option string
	// Value is the value as given.
	Value string
	// Msg says what is allowed.
	Msg string
	// Err is ErrInvalidOption, ErrTooLarge or ErrPathNotRepresentable.
	Err error
}

func (e *OptionError) Error() string {
	v := e.Value
	if len(v) > maxShownValue {
		v = fmt.Sprintf("%s... (%d bytes)", v[:maxShownValue], len(v))
	}
	return fmt.Sprintf("vhdx: %s=%s: %s", e.Option, v, e.Msg)
}

// maxShownValue keeps an error message readable when a value is huge.
const maxShownValue = 64

// Unwrap returns the sentinel class of the error.
func (e *OptionError) Unwrap() error { return e.Err }
