package info

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped) by Inspect and Validate; test with
// errors.Is.
var (
	// ErrUnknownFormat means the format name given to Inspect is not one
	// instar can parse.
	ErrUnknownFormat = errors.New("info: unknown image format")

	// ErrUnsupportedFormat means probing found a format qemu-img knows but
	// instar does not parse, so reporting "raw" would be wrong.
	ErrUnsupportedFormat = errors.New("info: unsupported image format")

	// ErrUnsupportedFeature means the image uses a feature qemu-img shows
	// and instar cannot describe yet, so it refuses instead of printing an
	// incomplete description.
	ErrUnsupportedFeature = errors.New("info: unsupported image feature")

	// ErrLogReplay means a VHDX image has a log to replay before it can be
	// read; qemu-img refuses it read-only too.
	ErrLogReplay = errors.New("info: VHDX log needs replaying")

	// ErrIncomplete means an Entry cannot be rendered yet: its VMDK has
	// sparse extents in other files whose headers CompleteExtents has not
	// read.
	ErrIncomplete = errors.New("info: image description incomplete")

	// ErrInvalidImage means a decoded Image breaks the bounds Validate
	// enforces (it did not come from Inspect, or came from a confused guest).
	ErrInvalidImage = errors.New("info: invalid image description")
)

// errNotOne is WriteJSON's complaint about a non-chain call with other than
// one entry.
func errNotOne(n int) error {
	return fmt.Errorf("info: WriteJSON without chain takes exactly one entry, got %d", n)
}
