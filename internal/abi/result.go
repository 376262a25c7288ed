package abi

import (
	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/info"
)

// MaxRanges bounds the preallocation ranges of a create result.
const MaxRanges = 1024

// Result is the one message the guest sends back. On success Code is
// create.OK and exactly the body matching the request's operation is set; on
// failure Code is the stable error code and Detail says what went wrong.
type Result struct {
	Version int           `json:"version"`
	Op      Op            `json:"op"`
	Code    create.Code   `json:"code"`
	Detail  string        `json:"detail,omitempty"`
	Create  *CreateResult `json:"create,omitempty"`
	Info    *info.Image   `json:"info,omitempty"`
}

// CreateResult describes the image the guest wrote to fd 4. It carries
// numbers, not the Formatting line: the host prints that line from its own
// parse of the command line and BackingVirtualSize, so the guest cannot put
// text into it.
type CreateResult struct {
	VirtualSize  int64 `json:"virtual_size"`
	UnitSize     int64 `json:"unit_size"` // cluster, grain or block size; 0 when the format has none
	BytesWritten int64 `json:"bytes_written"`
	FileSize     int64 `json:"file_size"`
	// BackingFormat and BackingVirtualSize are what the guest read from
	// the backing file; empty and 0 when none was read.
	BackingFormat      string `json:"backing_format,omitempty"`
	BackingVirtualSize int64  `json:"backing_virtual_size,omitempty"`
	// Preallocate lists the byte ranges of the new file that the host must
	// still preallocate (qcow2 data with preallocation=falloc or full).
	Preallocate []Range  `json:"preallocate,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Range is a byte range of the new file.
type Range struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// Validate checks a result's shape and limits.
func (r *Result) Validate() error {
	if r.Version != Version {
		return malformed("unsupported result version %d (this build speaks %d)", r.Version, Version)
	}
	if r.Op != OpCreate && r.Op != OpInfo {
		return malformed("unknown operation %q", string(r.Op))
	}
	if err := checkString("detail", r.Detail, MaxDetailLen); err != nil {
		return err
	}
	if r.Code != create.OK {
		if !r.Code.Known() {
			return malformed("unknown error code %d", uint16(r.Code))
		}
		if r.Create != nil || r.Info != nil {
			return malformed("a failed result carries a body")
		}
		return nil
	}
	switch r.Op {
	case OpCreate:
		if r.Create == nil || r.Info != nil {
			return malformed("a successful create result must carry exactly the create body")
		}
		return r.Create.validate()
	default:
		if r.Info == nil || r.Create != nil {
			return malformed("a successful info result must carry exactly the info body")
		}
		if err := r.Info.Validate(); err != nil {
			return malformed("%v", err)
		}
	}
	return nil
}

func (c *CreateResult) validate() error {
	for _, n := range []struct {
		field string
		v     int64
	}{{"virtual_size", c.VirtualSize}, {"unit_size", c.UnitSize}, {"bytes_written", c.BytesWritten},
		{"file_size", c.FileSize}, {"backing_virtual_size", c.BackingVirtualSize}} {
		if n.v < 0 {
			return malformed("%s %d is negative", n.field, n.v)
		}
	}
	if err := checkString("backing_format", c.BackingFormat, MaxNameLen); err != nil {
		return err
	}
	if len(c.Preallocate) > MaxRanges {
		return malformed("%d preallocation ranges (at most %d)", len(c.Preallocate), MaxRanges)
	}
	end := int64(0)
	for _, r := range c.Preallocate {
		if r.Offset < end || r.Length <= 0 || r.Offset > c.FileSize || r.Length > c.FileSize-r.Offset {
			return malformed("preallocation range [%d, +%d) is not ascending within the %d-byte file", r.Offset, r.Length, c.FileSize)
		}
		end = r.Offset + r.Length
	}
	if len(c.Warnings) > MaxWarnings {
		return malformed("%d warnings (at most %d)", len(c.Warnings), MaxWarnings)
	}
	for _, w := range c.Warnings {
		if err := checkString("warnings", w, MaxWarningLen); err != nil {
			return err
		}
	}
	return nil
}
