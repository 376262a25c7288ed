package vhd

import "fmt"

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
