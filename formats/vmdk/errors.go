package vmdk

import (
	"errors"
	"fmt"
)

// Sentinel errors of Parse and ParseDescriptor. Every error they return for
// a problem in the bytes is a *FormatError wrapping one of these.
var (
	// ErrNotVMDK means the bytes are neither a sparse extent (magic "KDMV")
	// nor a text descriptor. A caller probing formats moves on.
	ErrNotVMDK = errors.New("vmdk: not a VMDK image")

	// ErrCorrupt means the bytes claim to be VMDK but a field is out of
	// range, inconsistent, or lies beyond the end of the file.
	ErrCorrupt = errors.New("vmdk: corrupt image")

	// ErrUnsupported means the image is well formed but of a kind this
	// package (and, where said, qemu-img 7.2) does not read: a header
	// version above 3, a VMDK3 "COWD" extent, an unknown create type.
	ErrUnsupported = errors.New("vmdk: unsupported image")
)

// Sentinel errors of Options.Validate and PlanImage. Every option problem
// is an *OptionError wrapping one of these.
var (
	// ErrInvalidOption means an option value is outside what qemu-img 7.2
	// accepts for vmdk, or a combination qemu-img refuses.
	ErrInvalidOption = errors.New("vmdk: invalid option")

	// ErrTooLarge means the virtual size exceeds MaxVirtualSize.
	ErrTooLarge = errors.New("vmdk: virtual size too large")

	// ErrMultiFile means the subformat writes several files
	// (monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat), which
	// PlanImage does not produce.
	ErrMultiFile = errors.New("vmdk: multi-file VMDK output is not supported")

	// ErrPathNotRepresentable means a file name cannot be written into the
	// descriptor intact (a quote, a line break, a NUL, or too long).
	ErrPathNotRepresentable = errors.New("vmdk: path not representable in a VMDK descriptor")
)

// FormatError reports a problem in the bytes of an image: the structure and
// field, where in the file, and what was wrong.
type FormatError struct {
	// Offset is the byte offset in the file of the field that is wrong.
	Offset int64
	// Field names the structure and field, e.g. "sparse header grainSize".
	Field string
	// Msg says what was wrong and, where useful, what to try.
	Msg string
	// Err is the sentinel class: ErrNotVMDK, ErrCorrupt or ErrUnsupported.
	Err error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("vmdk: %s at offset %d (%#x): %s", e.Field, e.Offset, e.Offset, e.Msg)
}

// Unwrap returns the sentinel class.
func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a *FormatError; it keeps call sites short.
func formatErr(class error, off int64, field, format string, args ...any) error {
	return &FormatError{Offset: off, Field: field, Msg: fmt.Sprintf(format, args...), Err: class}
}

// OptionError reports one option that Validate or PlanImage refuses.
type OptionError struct {
	// Option is qemu-img's name for the option ("size", "subformat",
	// "adapter_type", "hwversion", "backing_file", ...).
	Option string
	// Value is the value as given (shortened when very long).
	Value string
	// Msg says what is allowed.
	Msg string
	// Err is ErrInvalidOption, ErrTooLarge, ErrMultiFile or
	// ErrPathNotRepresentable.
	Err error
}

func (e *OptionError) Error() string {
	v := e.Value
	if len(v) > maxShownValue {
		v = v[:maxShownValue] + "…"
	}
	return fmt.Sprintf("vmdk: %s=%q: %s", e.Option, v, e.Msg)
}

// Unwrap returns the sentinel class.
func (e *OptionError) Unwrap() error { return e.Err }

// maxShownValue keeps an error message readable when a value is huge.
const maxShownValue = 64

// optionErr builds an *OptionError.
func optionErr(class error, option, value, format string, args ...any) error {
	return &OptionError{Option: option, Value: value, Msg: fmt.Sprintf(format, args...), Err: class}
}
