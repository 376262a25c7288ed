package vhd

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps one of them, so
// callers can branch with errors.Is.
var (
	// ErrNotVHD means the bytes are not a VHD image at all (no "conectix"
	// footer where one must be). A caller probing formats tries the next.
	ErrNotVHD = errors.New("vhd: not a VHD image")
	// ErrChecksum means a footer or dynamic header checksum does not match.
	ErrChecksum = errors.New("vhd: checksum mismatch")
	// ErrCorrupt means a structure is inconsistent: a field out of range,
	// or a table that points outside the file.
	ErrCorrupt = errors.New("vhd: corrupt image")
	// ErrUnsupported means a well-formed feature this package does not
	// handle, such as a deprecated disk type.
	ErrUnsupported = errors.New("vhd: unsupported image")
	// ErrTooLarge means a virtual size above MaxVirtualSize.
	ErrTooLarge = errors.New("vhd: virtual size too large")
	// ErrInvalidOption means PlanImage was given options qemu-img rejects
	// or that cannot be encoded.
	ErrInvalidOption = errors.New("vhd: invalid option")
	// ErrParentName means the parent name does not fit the 512-byte
	// Parent Unicode Name field.
	ErrParentName = errors.New("vhd: parent name too long")
	// ErrParentPath means a parent path cannot be represented in a
	// Windows parent locator.
	ErrParentPath = errors.New("vhd: parent path not representable")
	// ErrParentSize means the requested size differs from the parent's
	// virtual size; a differencing disk always has its parent's size.
	ErrParentSize = errors.New("vhd: size differs from the parent's")
)

// FormatError describes a problem at a byte offset of an image.
type FormatError struct {
	Offset int64  // byte offset in the file of the offending field
	Field  string // the field, e.g. "footer checksum"
	Detail string // what was wrong, with the values involved
	Err    error  // one of the package sentinels
}

// Error names the field, its byte offset and what was wrong.
func (e *FormatError) Error() string {
	return fmt.Sprintf("vhd: %s at byte %d: %s", e.Field, e.Offset, e.Detail)
}

// Unwrap returns the sentinel the error wraps.
func (e *FormatError) Unwrap() error { return e.Err }

// formatErr builds a *FormatError.
func formatErr(sentinel error, off int64, field, format string, args ...any) error {
	return &FormatError{Offset: off, Field: field, Detail: fmt.Sprintf(format, args...), Err: sentinel}
}
