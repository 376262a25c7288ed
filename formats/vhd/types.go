package vhd

import (
	"encoding/hex"
	"fmt"
	"time"
)

// FormatName is qemu's name for the format.
const FormatName = "vpc"

// SectorSize is the unit of every VHD size and offset.
const SectorSize = 512

// DiskType is the Disk Type field of the footer (VHD spec, "Hard Disk
// Footer Format", Disk Type table).
type DiskType uint32

// Disk types. The spec lists 1, 5 and 6 as deprecated; this package
// accepts only fixed, dynamic and differencing.
const (
	DiskTypeNone         DiskType = 0
	DiskTypeFixed        DiskType = 2
	DiskTypeDynamic      DiskType = 3
	DiskTypeDifferencing DiskType = 4
)

// String returns the name vhdiinfo uses for the type.
func (t DiskType) String() string {
	switch t {
	case DiskTypeNone:
		return "none"
	case DiskTypeFixed:
		return "fixed"
	case DiskTypeDynamic:
		return "dynamic"
	case DiskTypeDifferencing:
		return "differencing"
	}
	return fmt.Sprintf("DiskType(%d)", uint32(t))
}

// UUID is a 16-byte identifier as stored in the footer (big-endian byte
// order, the order vhdiinfo prints).
type UUID [16]byte

// String formats the UUID as 8-4-4-4-12 lower-case hex.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// MarshalText implements encoding.TextMarshaler.
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// timestampEpoch is the VHD epoch, 2000-01-01T00:00:00Z, in Unix seconds.
const timestampEpoch = 946684800

// Timestamp is a VHD time stamp: seconds since 2000-01-01 00:00:00 UTC.
type Timestamp uint32

// Time converts the time stamp to a time.Time in UTC.
func (t Timestamp) Time() time.Time { return time.Unix(timestampEpoch+int64(t), 0).UTC() }

// String formats the time stamp in RFC 3339.
func (t Timestamp) String() string { return t.Time().Format(time.RFC3339) }

// TimestampOf converts a time to a VHD time stamp. It fails for times
// before 2000 or after 2136, which the 32-bit field cannot hold.
func TimestampOf(t time.Time) (Timestamp, error) {
	s := t.Unix() - timestampEpoch
	if s < 0 || s > 0xFFFFFFFF {
		return 0, fmt.Errorf("%w: time %s is outside the VHD time stamp range 2000-01-01..2136-02-07", ErrInvalidOption, t.UTC().Format(time.RFC3339))
	}
	return Timestamp(s), nil
}

// Geometry is the footer's CHS disk geometry.
type Geometry struct {
	Cylinders       uint16
	Heads           uint8
	SectorsPerTrack uint8
}

// Sectors is the number of sectors the geometry addresses.
func (g Geometry) Sectors() int64 {
	return int64(g.Cylinders) * int64(g.Heads) * int64(g.SectorsPerTrack)
}

// String formats the geometry as C/H/S.
func (g Geometry) String() string {
	return fmt.Sprintf("%d/%d/%d", g.Cylinders, g.Heads, g.SectorsPerTrack)
}

// PlatformCode identifies the kind of a parent locator entry (VHD spec,
// "Parent Locator Entry", Platform Code table).
type PlatformCode uint32

// Platform codes.
const (
	PlatformNone PlatformCode = 0
	PlatformWi2r PlatformCode = 0x57693272 // "Wi2r", deprecated
	PlatformWi2k PlatformCode = 0x5769326B // "Wi2k", deprecated
	PlatformW2ru PlatformCode = 0x57327275 // "W2ru", relative Windows path, UTF-16LE
	PlatformW2ku PlatformCode = 0x57326B75 // "W2ku", absolute Windows path, UTF-16LE
	PlatformMac  PlatformCode = 0x4D616320 // "Mac ", Mac OS alias blob
	PlatformMacX PlatformCode = 0x4D616358 // "MacX", file URL, UTF-8
)

// String returns the four-character code, or a number for unknown codes.
func (c PlatformCode) String() string {
	switch c {
	case PlatformNone:
		return "none"
	case PlatformWi2r, PlatformWi2k, PlatformW2ru, PlatformW2ku, PlatformMac, PlatformMacX:
		return string([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	}
	return fmt.Sprintf("PlatformCode(%#x)", uint32(c))
}

// MarshalText implements encoding.TextMarshaler.
func (t DiskType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the names
// MarshalText produces.
func (t *DiskType) UnmarshalText(b []byte) error {
	for _, c := range []DiskType{DiskTypeNone, DiskTypeFixed, DiskTypeDynamic, DiskTypeDifferencing} {
		if string(b) == c.String() {
			*t = c
			return nil
		}
	}
	return fmt.Errorf("vhd: unknown disk type %q", b)
}

// UnmarshalText implements encoding.TextUnmarshaler for the form String
// produces.
func (u *UUID) UnmarshalText(b []byte) error {
	s := string(b)
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return fmt.Errorf("vhd: UUID %q is not in 8-4-4-4-12 form", s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	var v UUID
	if _, err := hex.Decode(v[:], []byte(h)); err != nil {
		return fmt.Errorf("vhd: UUID %q: %w", s, err)
	}
	*u = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (c PlatformCode) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
