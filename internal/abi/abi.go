package abi

import (
	"errors"
	"fmt"
)

// Version is the ABI version this build speaks. Host and guest are the same
// executable, so a mismatch means a corrupted or foreign guest; it is
// refused, never negotiated.
const Version = 1

// Size caps of the encoded messages, and of the strings and lists inside
// them. They bound what a hostile guest can make the host allocate.
//
// MaxResultSize is also the guest's standard output limit. The largest info
// result the host accepts (info.Image.Validate) sets it: 1024 VMDK extents
// whose 511-byte names are control characters, each escaped to six bytes of
// JSON, make about 3.3 MiB (≈3.3 KiB per extent; an extent qemu-img made
// takes ≈90 bytes). TestLargestInfoResultFits builds that result, so the two
// bounds cannot drift apart.
const (
	MaxRequestSize = 64 << 10 // bytes of an encoded request
	MaxResultSize  = 4 << 20  // bytes of an encoded result
	MaxNameLen     = 4096     // a file name, a backing name, a format name
	MaxOptions     = 64       // -o arguments in one request
	MaxOptionLen   = 4096     // bytes of one -o argument
	MaxDetailLen   = 4096     // bytes of a result's detail text
	MaxWarnings    = 16       // warnings in one result
	MaxWarningLen  = 1024     // bytes of one warning
)

// ErrMalformed is wrapped by every decoding and validation error.
var ErrMalformed = errors.New("abi: malformed message")

// Op names what a request asks the guest to do.
type Op string

// The operations a guest serves.
const (
	OpCreate Op = "create" // create an image, reading the backing on fd 3, writing fd 4
	OpInfo   Op = "info"   // describe the image on fd 3
)

// String returns the operation's wire name.
func (o Op) String() string { return string(o) }

// Request is the one message the host sends to the guest. Exactly one of
// Create and Info is set, matching Op.
type Request struct {
	Version int            `json:"version"`
	Op      Op             `json:"op"`
	Create  *CreateRequest `json:"create,omitempty"`
	Info    *InfoRequest   `json:"info,omitempty"`
}

// CreateRequest carries the user's create command line as typed, so the
// guest parses it with exactly the code the host validated it with.
type CreateRequest struct {
	Filename      string   `json:"filename"`                 // the new image's name as typed (for messages only)
	Format        string   `json:"format"`                   // -f
	Options       []string `json:"options,omitempty"`        // each -o argument, in order
	Size          string   `json:"size,omitempty"`           // the SIZE positional, "" when absent
	BackingFile   string   `json:"backing_file,omitempty"`   // -b, verbatim
	HasBacking    bool     `json:"has_backing,omitempty"`    // -b was given (even as "")
	BackingFormat string   `json:"backing_format,omitempty"` // -F
	Unsafe        bool     `json:"unsafe,omitempty"`         // -u: the backing is not read
	// BackingSize is the length of the backing file on fd 3, or -1 when
	// no backing descriptor is passed.
	BackingSize int64 `json:"backing_size"`
}

// InfoRequest asks for the description of the image on fd 3.
type InfoRequest struct {
	Format    string `json:"format,omitempty"` // -f, "" to detect
	ImageSize int64  `json:"image_size"`       // length of the file on fd 3
}

// Validate checks the limits and the shape of a request.
func (r *Request) Validate() error {
	if r.Version != Version {
		return malformed("unsupported request version %d (this build speaks %d)", r.Version, Version)
	}
	switch r.Op {
	case OpCreate:
		if r.Create == nil || r.Info != nil {
			return malformed("a create request must carry exactly the create body")
		}
		return r.Create.validate()
	case OpInfo:
		if r.Info == nil || r.Create != nil {
			return malformed("an info request must carry exactly the info body")
		}
		return r.Info.validate()
	}
	return malformed("unknown operation %q", string(r.Op))
}

func (c *CreateRequest) validate() error {
	for _, s := range []struct{ field, value string }{
		{"filename", c.Filename}, {"format", c.Format}, {"size", c.Size},
		{"backing_file", c.BackingFile}, {"backing_format", c.BackingFormat},
	} {
		if err := checkString(s.field, s.value, MaxNameLen); err != nil {
			return err
		}
	}
	if len(c.Options) > MaxOptions {
		return malformed("%d options (at most %d)", len(c.Options), MaxOptions)
	}
	for _, o := range c.Options {
		if err := checkString("options", o, MaxOptionLen); err != nil {
			return err
		}
	}
	if c.BackingSize < -1 {
		return malformed("backing_size %d is negative", c.BackingSize)
	}
	return nil
}

func (i *InfoRequest) validate() error {
	if err := checkString("format", i.Format, MaxNameLen); err != nil {
		return err
	}
	if i.ImageSize < 0 {
		return malformed("image_size %d is negative", i.ImageSize)
	}
	return nil
}

func checkString(field, value string, max int) error {
	if len(value) > max {
		return malformed("%s is %d bytes long (at most %d)", field, len(value), max)
	}
	return nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
