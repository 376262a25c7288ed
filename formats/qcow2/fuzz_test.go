package qcow2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, must
// return either an image or a *FormatError (or both, for unknown features),
// and must describe what it returns consistently.
func FuzzParse(f *testing.F) {
	f.Add(validHeader()[:4096])
	withBacking := validHeader()[:4096]
	binary.BigEndian.PutUint64(withBacking[offBackingOffset:], 0x200)
	binary.BigEndian.PutUint32(withBacking[offBackingSize:], 9)
	copy(withBacking[0x200:], "base.img\x00")
	ext := encodeExtension(nil, ExtBackingFormat, []byte("raw"))
	ext = encodeExtension(ext, ExtFeatureNames, make([]byte, featureEntrySize))
	copy(withBacking[headerLengthWithComp:], ext)
	f.Add(withBacking)
	v2 := validHeader()[:512]
	binary.BigEndian.PutUint32(v2[offVersion:], 2)
	f.Add(v2)
	f.Add([]byte("QFI\xfb\x00\x00\x00\x03"))
	for _, o := range []Options{
		{Size: 1 << 30},
		{Size: 1 << 20, Compat: Compat010, BackingFile: "base.qcow2", BackingFormat: "qcow2"},
		{Size: 5 << 20, ClusterSize: 16 << 10, ExtendedL2: true, CompressionType: CompressionZstd, LazyRefcounts: true, RefcountBits: 64},
		{Size: 1000, ClusterSize: 512, BackingFile: "b", BackingFormat: "raw"},
	} {
		p, err := PlanImage(o)
		if err != nil {
			f.Fatal(err)
		}
		head := make([]byte, min(p.Size, 4<<16))
		if _, err := (planReader{p}).ReadAt(head, 0); err != nil {
			f.Fatal(err)
		}
		f.Add(head)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if img != nil && !errors.Is(err, ErrUnsupportedFeature) {
				t.Fatalf("image returned with error %v", err)
			}
		}
		if img == nil {
			return
		}
		in := img.Info()
		if in.VirtualSize < 0 || in.ClusterSize < MinClusterSize || in.ClusterSize > MaxClusterSize {
			t.Fatalf("implausible info %+v", in)
		}
		if len(in.BackingFile) > MaxBackingFileName {
			t.Fatalf("backing name of %d bytes", len(in.BackingFile))
		}
	})
}

// FuzzPlanParse plans an image from fuzzed options and parses the planned
// bytes back: whatever PlanImage accepts must parse, and the summary must
// state exactly the options that were asked for.
func FuzzPlanParse(f *testing.F) {
	f.Add(uint64(1<<30), uint8(16), uint8(4), uint8(0), "", "")
	f.Add(uint64(1000), uint8(9), uint8(0), uint8(0b1111), "base.qcow2", "qcow2")
	f.Add(uint64(1610612736), uint8(14), uint8(6), uint8(0b110010), "../b.img", "raw")
	f.Add(uint64(3<<20), uint8(12), uint8(2), uint8(0b01000000), "", "")
	f.Fuzz(func(t *testing.T, size uint64, clusterBits, refOrder, flags uint8, backing, backingFmt string) {
		o := Options{
			ClusterSize:     int64(1) << (clusterBits % 24),
			RefcountBits:    1 << (refOrder % 8),
			ExtendedL2:      flags&1 != 0,
			LazyRefcounts:   flags&2 != 0,
			Compat:          Compat((flags >> 2) & 1),
			CompressionType: CompressionType((flags >> 3) & 1),
			Preallocation:   Preallocation((flags >> 4) & 3),
			BackingFile:     backing,
			BackingFormat:   backingFmt,
		}
		// Keep preallocated plans small enough to build quickly.
		limit := uint64(1) << 62
		if o.Preallocation != PreallocOff {
			limit = uint64(o.ClusterSize) << 12
		}
		o.Size = int64(size % limit)
		p, err := PlanImage(o)
		if err != nil {
			if !errors.Is(err, ErrInvalidOption) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("PlanImage(%+v) = %v: neither invalid nor too large", o, err)
			}
			return
		}
		img, err := Parse(planReader{p}, p.Size)
		if err != nil {
			t.Fatalf("Parse(PlanImage(%+v)) = %v", o, err)
		}
		got := img.Info()
		want := Info{
			VirtualSize:     (o.Size + 511) &^ 511,
			ClusterSize:     o.ClusterSize,
			BackingFile:     o.BackingFile,
			BackingFormat:   o.BackingFormat,
			Compat:          o.Compat,
			CompressionType: o.CompressionType,
			LazyRefcounts:   o.LazyRefcounts,
			RefcountBits:    o.RefcountBits,
			ExtendedL2:      o.ExtendedL2,
		}
		if got != want {
			t.Fatalf("round trip of %+v:\n got %+v\nwant %+v", o, got, want)
		}
		for i := 1; i < len(p.Extents); i++ {
			if prev := p.Extents[i-1]; prev.Offset+prev.Length > p.Extents[i].Offset {
				t.Fatalf("extents overlap at %d", p.Extents[i].Offset)
			}
		}
	})
}
