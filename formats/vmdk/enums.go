package vmdk

import "fmt"

// Subformat is qemu-img's vmdk `subformat` option: the createType of the
// new descriptor.
type Subformat uint8

// Subformats, in the order qemu-img's help lists them.
const (
	// MonolithicSparse is one file: sparse header, embedded descriptor,
	// grain directories and tables, grains (the default).
	MonolithicSparse Subformat = iota
	// MonolithicFlat is a descriptor file plus one raw extent file.
	MonolithicFlat
	// TwoGbMaxExtentSparse is a descriptor file plus sparse extents of at
	// most 2 GiB each.
	TwoGbMaxExtentSparse
	// TwoGbMaxExtentFlat is a descriptor file plus raw extents of at most
	// 2 GiB each.
	TwoGbMaxExtentFlat
	// StreamOptimized is one file like MonolithicSparse whose grains are
	// deflate-compressed (header version 3).
	StreamOptimized
)

// Subformats lists every subformat qemu-img 7.2 accepts, in its order.
var Subformats = []Subformat{MonolithicSparse, MonolithicFlat, TwoGbMaxExtentSparse, TwoGbMaxExtentFlat, StreamOptimized}

// PlannableSubformats lists the subformats PlanImage writes; the others
// need several files and are refused with ErrMultiFile.
var PlannableSubformats = []Subformat{MonolithicSparse, StreamOptimized}

func (s Subformat) String() string {
	switch s {
	case MonolithicSparse:
		return "monolithicSparse"
	case MonolithicFlat:
		return "monolithicFlat"
	case TwoGbMaxExtentSparse:
		return "twoGbMaxExtentSparse"
	case TwoGbMaxExtentFlat:
		return "twoGbMaxExtentFlat"
	case StreamOptimized:
		return "streamOptimized"
	}
	return fmt.Sprintf("Subformat(%d)", uint8(s))
}

// MarshalText returns the String form.
func (s Subformat) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MultiFile reports whether the subformat writes more than one file.
func (s Subformat) MultiFile() bool {
	return s == MonolithicFlat || s == TwoGbMaxExtentSparse || s == TwoGbMaxExtentFlat
}

// ParseSubformat parses the value of `-o subformat=`; like qemu-img it is
// case-sensitive.
func ParseSubformat(v string) (Subformat, error) {
	for _, s := range Subformats {
		if s.String() == v {
			return s, nil
		}
	}
	return 0, optionErr(ErrInvalidOption, "subformat", v, "invalid parameter value (allowed: monolithicSparse, monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat, streamOptimized)")
}

// AdapterType is qemu-img's vmdk `adapter_type` option, written as
// ddb.adapterType.
type AdapterType uint8

// Adapter types, in qemu's enum order.
const (
	AdapterIDE AdapterType = iota // the default
	AdapterBusLogic
	AdapterLSILogic
	AdapterLegacyESX
)

// AdapterTypes lists every adapter type qemu-img 7.2 accepts.
var AdapterTypes = []AdapterType{AdapterIDE, AdapterBusLogic, AdapterLSILogic, AdapterLegacyESX}

func (a AdapterType) String() string {
	switch a {
	case AdapterIDE:
		return "ide"
	case AdapterBusLogic:
		return "buslogic"
	case AdapterLSILogic:
		return "lsilogic"
	case AdapterLegacyESX:
		return "legacyESX"
	}
	return fmt.Sprintf("AdapterType(%d)", uint8(a))
}

// MarshalText returns the String form.
func (a AdapterType) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Heads is the geometry head count qemu-img writes for the adapter: 16 for
// IDE, 255 (VMware's value for SCSI adapters) otherwise.
func (a AdapterType) Heads() int64 {
	if a == AdapterIDE {
		return 16
	}
	return 255
}

// ParseAdapterType parses the value of `-o adapter_type=`; like qemu-img
// it is case-sensitive.
func ParseAdapterType(v string) (AdapterType, error) {
	for _, a := range AdapterTypes {
		if a.String() == v {
			return a, nil
		}
	}
	return 0, optionErr(ErrInvalidOption, "adapter_type", v, "invalid parameter value (allowed: ide, buslogic, lsilogic, legacyESX)")
}
