package info

import (
	"errors"
	"strings"
	"testing"
)

func validQcow2() *Image {
	return &Image{Format: formatQcow2, VirtualSize: 1 << 30, ClusterSize: 65536, HasDirtyFlag: true,
		Qcow2: &Qcow2Specific{Compat: qcow2CompatV3, CompressionType: "zlib", RefcountBits: 16}}
}

func TestValidateAcceptsInspectShapes(t *testing.T) {
	for _, im := range []*Image{
		{Format: formatRaw, VirtualSize: 0, HasDirtyFlag: true},
		validQcow2(),
		{Format: formatVMDK, VirtualSize: 1 << 30, HasDirtyFlag: true,
			VMDK: &VMDKSpecific{CreateType: "monolithicFlat", CID: 1, ParentCID: ^uint32(0),
				Extents: []VMDKExtent{{Filename: "x-flat.vmdk", Format: "FLAT", VirtualSize: 1 << 30, Flat: true}}}},
	} {
		if err := im.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", im, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	long := strings.Repeat("a", MaxNameLen+1)
	for _, tc := range []struct {
		name string
		mod  func(im *Image)
	}{
		{"unknown format", func(im *Image) { im.Format = "qcow" }},
		{"empty format", func(im *Image) { im.Format = "" }},
		{"negative size", func(im *Image) { im.VirtualSize = -1 }},
		{"negative cluster", func(im *Image) { im.ClusterSize = -512 }},
		{"huge cluster", func(im *Image) { im.ClusterSize = 1 << 40 }},
		{"long backing", func(im *Image) { im.BackingFilename = long }},
		{"backing format alone", func(im *Image) { im.BackingFormat = "raw" }},
		{"backing on raw", func(im *Image) { im.Format, im.Qcow2, im.BackingFilename = formatRaw, nil, "/etc/shadow" }},
		{"backing on vpc", func(im *Image) { im.Format, im.Qcow2, im.BackingFilename = "vpc", nil, "x" }},
		{"compat", func(im *Image) { im.Qcow2.Compat = "2.0" }},
		{"compression", func(im *Image) { im.Qcow2.CompressionType = "lzo" }},
		{"refcount bits", func(im *Image) { im.Qcow2.RefcountBits = 128 }},
		{"long data file", func(im *Image) { im.Qcow2.DataFile = long }},
		{"qcow2 data on raw", func(im *Image) { im.Format = formatRaw }},
		{"vmdk data on qcow2", func(im *Image) { im.VMDK = &VMDKSpecific{} }},
		{"qcow2 without details", func(im *Image) { im.Qcow2 = nil }},
		{"vmdk without details", func(im *Image) { im.Format, im.Qcow2 = formatVMDK, nil }},
		{"vmdk without extents", func(im *Image) { im.Format, im.Qcow2, im.VMDK = formatVMDK, nil, &VMDKSpecific{} }},
		{"many extents", func(im *Image) {
			im.Format, im.Qcow2 = formatVMDK, nil
			im.VMDK = &VMDKSpecific{Extents: make([]VMDKExtent, MaxExtents+1)}
		}},
		{"extent size", func(im *Image) {
			im.Format, im.Qcow2 = formatVMDK, nil
			im.VMDK = &VMDKSpecific{Extents: []VMDKExtent{{VirtualSize: -1}}}
		}},
		{"long extent name", func(im *Image) {
			im.Format, im.Qcow2 = formatVMDK, nil
			im.VMDK = &VMDKSpecific{Extents: []VMDKExtent{{Filename: long[:MaxExtentNameLen+1]}}}
		}},
		{"long extent format", func(im *Image) {
			im.Format, im.Qcow2 = formatVMDK, nil
			im.VMDK = &VMDKSpecific{Extents: []VMDKExtent{{Filename: "x", Format: "VMFSSPARSE+"}}}
		}},
	} {
		im := validQcow2()
		tc.mod(im)
		if err := im.Validate(); !errors.Is(err, ErrInvalidImage) {
			t.Errorf("%s: Validate = %v, want ErrInvalidImage", tc.name, err)
		}
	}
}
