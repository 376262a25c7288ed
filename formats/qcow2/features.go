package qcow2

import (
	"fmt"
	"strings"
)

// IncompatibleFeatures is the header's incompatible_features bit set
// (docs/interop/qcow2.txt, header bytes 72-79). An implementation must refuse
// an image with a bit it does not know.
type IncompatibleFeatures uint64

// CompatibleFeatures is the header's compatible_features bit set (bytes
// 80-87); unknown bits may be ignored.
type CompatibleFeatures uint64

// AutoclearFeatures is the header's autoclear_features bit set (bytes
// 88-95); a writer that does not know a bit clears it.
type AutoclearFeatures uint64

// Incompatible feature bits.
const (
	IncompatDirty       IncompatibleFeatures = 1 << 0 // refcounts may be stale (lazy refcounts in use)
	IncompatCorrupt     IncompatibleFeatures = 1 << 1 // metadata known to be inconsistent
	IncompatDataFile    IncompatibleFeatures = 1 << 2 // guest data lives in an external file
	IncompatCompression IncompatibleFeatures = 1 << 3 // compression_type field is not zlib
	IncompatExtendedL2  IncompatibleFeatures = 1 << 4 // 128-bit L2 entries with subclusters
	knownIncompatible                        = IncompatDirty | IncompatCorrupt | IncompatDataFile | IncompatCompression | IncompatExtendedL2
)

// Compatible feature bits.
const (
	CompatLazyRefcounts CompatibleFeatures = 1 << 0
)

// Autoclear feature bits.
const (
	AutoclearBitmaps     AutoclearFeatures = 1 << 0 // bitmaps extension is consistent
	AutoclearDataFileRaw AutoclearFeatures = 1 << 1 // external data file is a raw image
)

// FeatureType is the first byte of a feature name table entry.
type FeatureType uint8

// Feature types of the feature name table.
const (
	FeatureIncompatible FeatureType = 0
	FeatureCompatible   FeatureType = 1
	FeatureAutoclear    FeatureType = 2
)

// String names the feature set.
func (t FeatureType) String() string {
	switch t {
	case FeatureIncompatible:
		return "incompatible"
	case FeatureCompatible:
		return "compatible"
	case FeatureAutoclear:
		return "autoclear"
	}
	return fmt.Sprintf("FeatureType(%d)", uint8(t))
}

// FeatureName is one entry of a feature name table: a bit of one of the
// three feature sets and its human-readable name.
type FeatureName struct {
	Type FeatureType
	Bit  uint8
	Name string
}

// featureTableMinCluster: qemu writes the feature name table only into
// version 3 images with clusters larger than this, leaving room in cluster 0
// for a backing file name with small clusters.
const featureTableMinCluster = 4096

// KnownFeatures is the feature name table qemu-img 7.2 writes into version 3
// images (with clusters larger than 4 KiB), in its order.
var KnownFeatures = []FeatureName{
	{FeatureIncompatible, 0, "dirty bit"},
	{FeatureIncompatible, 1, "corrupt bit"},
	{FeatureIncompatible, 2, "external data file"},
	{FeatureIncompatible, 3, "compression type"},
	{FeatureIncompatible, 4, "extended L2 entries"},
	{FeatureCompatible, 0, "lazy refcounts"},
	{FeatureAutoclear, 0, "bitmaps"},
	{FeatureAutoclear, 1, "raw external data"},
}

// featureString names the set bits of a feature set, "bit N" for unknown ones.
func featureString(t FeatureType, v uint64) string {
	if v == 0 {
		return "none"
	}
	var names []string
	for bit := range 64 {
		if v&(1<<bit) == 0 {
			continue
		}
		name := fmt.Sprintf("bit %d", bit)
		for _, f := range KnownFeatures {
			if f.Type == t && int(f.Bit) == bit {
				name = f.Name
			}
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

// String lists the set bits by name ("bit N" for unknown ones).
func (f IncompatibleFeatures) String() string {
	return featureString(FeatureIncompatible, uint64(f))
}

// String lists the set bits by name.
func (f CompatibleFeatures) String() string { return featureString(FeatureCompatible, uint64(f)) }

// String lists the set bits by name.
func (f AutoclearFeatures) String() string { return featureString(FeatureAutoclear, uint64(f)) }

// Unknown returns the incompatible bits this package does not know.
func (f IncompatibleFeatures) Unknown() IncompatibleFeatures { return f &^ knownIncompatible }
