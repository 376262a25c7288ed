package qcow2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"
)

// validHeader returns a small, well-formed version 3 image head (cluster 0
// of a 64 KiB-cluster image of 1 GiB) for the hostile cases to corrupt.
func validHeader() []byte {
	b := make([]byte, 3<<16)
	be := binary.BigEndian
	be.PutUint32(b[offMagic:], Magic)
	be.PutUint32(b[offVersion:], 3)
	be.PutUint32(b[offClusterBits:], 16)
	be.PutUint64(b[offSize:], 1<<30)
	be.PutUint32(b[offL1Size:], 2)
	be.PutUint64(b[offL1Offset:], 3<<16)
	be.PutUint64(b[offRefcountOffset:], 1<<16)
	be.PutUint32(b[offRefcountClusters:], 1)
	be.PutUint32(b[offRefcountOrder:], 4)
	be.PutUint32(b[offHeaderLength:], headerLengthWithComp)
	return b
}

func TestParseHostile(t *testing.T) {
	be := binary.BigEndian
	u32 := func(off int, v uint32) func([]byte) []byte {
		return func(b []byte) []byte { be.PutUint32(b[off:], v); return b }
	}
	u64 := func(off int, v uint64) func([]byte) []byte {
		return func(b []byte) []byte { be.PutUint64(b[off:], v); return b }
	}
	both := func(fs ...func([]byte) []byte) func([]byte) []byte {
		return func(b []byte) []byte {
			for _, f := range fs {
				b = f(b)
			}
			return b
		}
	}
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		want   error
		offset int64
	}{
		{"empty", func(b []byte) []byte { return b[:0] }, ErrTruncated, 0},
		{"truncated-v2", func(b []byte) []byte { return u32(offVersion, 2)(b)[:60] }, ErrTruncated, 0},
		{"truncated-v3", func(b []byte) []byte { return b[:90] }, ErrTruncated, 0},
		{"version-4", u32(offVersion, 4), ErrUnsupportedFeature, offVersion},
		{"cluster-bits-8", u32(offClusterBits, 8), ErrMalformed, offClusterBits},
		{"cluster-bits-22", u32(offClusterBits, 22), ErrMalformed, offClusterBits},
		{"cluster-bits-max", u32(offClusterBits, ^uint32(0)), ErrMalformed, offClusterBits},
		{"l1-size-huge", u32(offL1Size, ^uint32(0)), ErrMalformed, offL1Size},
		{"l1-size-too-small", u32(offL1Size, 1), ErrMalformed, offL1Size},
		{"l1-offset-unaligned", u64(offL1Offset, 3<<16+8), ErrMalformed, offL1Offset},
		{"l1-offset-overflow", u64(offL1Offset, 1<<63), ErrMalformed, offL1Offset},
		{"size-2^63-1", u64(offSize, 1<<63-1), ErrMalformed, offL1Size},
		{"size-2^64-1", u64(offSize, ^uint64(0)), ErrMalformed, offSize},
		{"size-2^63-cap-l1", both(u64(offSize, 1<<62), u32(offL1Size, MaxL1Bytes/8)), ErrMalformed, offL1Size},
		{"refcount-table-huge", u32(offRefcountClusters, ^uint32(0)), ErrMalformed, offRefcountClusters},
		{"refcount-table-overflow", u64(offRefcountOffset, ^uint64(0)&^0xffff), ErrMalformed, offRefcountOffset},
		{"refcount-order-7", u32(offRefcountOrder, 7), ErrMalformed, offRefcountOrder},
		{"snapshots-huge", u32(offNbSnapshots, ^uint32(0)), ErrMalformed, offNbSnapshots},
		{"header-length-short", u32(offHeaderLength, 50), ErrMalformed, offHeaderLength},
		{"header-length-huge", u32(offHeaderLength, ^uint32(0)), ErrMalformed, offHeaderLength},
		{"header-length-beyond-file", func(b []byte) []byte { return u32(offHeaderLength, 4096)(b)[:2048] }, ErrTruncated, offHeaderLength},
		{"backing-beyond-cluster", both(u64(offBackingOffset, 1<<20), u32(offBackingSize, 4)), ErrMalformed, offBackingOffset},
		{"backing-overflow", both(u64(offBackingOffset, ^uint64(0)-3), u32(offBackingSize, 8)), ErrMalformed, offBackingOffset},
		{"backing-in-header", both(u64(offBackingOffset, 16), u32(offBackingSize, 4)), ErrMalformed, offBackingOffset},
		{"backing-name-too-long", both(u64(offBackingOffset, 512), u32(offBackingSize, 1024)), ErrMalformed, offBackingSize},
		{"backing-beyond-file", func(b []byte) []byte {
			return both(u64(offBackingOffset, 4000), u32(offBackingSize, 200))(b)[:4096]
		}, ErrTruncated, offBackingOffset},
		{"extension-length-overflow", both(u32(headerLengthWithComp, uint32(ExtBackingFormat)), u32(headerLengthWithComp+4, ^uint32(0))), ErrMalformed, headerLengthWithComp + 4},
		{"extension-length-past-backing", both(u64(offBackingOffset, 256), u32(offBackingSize, 4),
			u32(headerLengthWithComp, 0x12345678), u32(headerLengthWithComp+4, 200)), ErrMalformed, headerLengthWithComp + 4},
		{"unknown-incompatible", u64(offIncompatible, 1<<40), ErrUnsupportedFeature, offIncompatible},
		{"compression-bit-zlib", u64(offIncompatible, uint64(IncompatCompression)), ErrMalformed, offCompressionType},
		{"compression-type-without-bit", func(b []byte) []byte { b[offCompressionType] = 1; return b }, ErrMalformed, offCompressionType},
		{"extended-l2-small-clusters", both(u64(offIncompatible, uint64(IncompatExtendedL2)), u32(offClusterBits, 12), u32(offL1Size, 1<<16), u64(offL1Offset, 3<<12), u64(offRefcountOffset, 1<<12)), ErrMalformed, offClusterBits},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.mutate(validHeader())
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, err := Parse(bytes.NewReader(b), int64(len(b)))
			runtime.ReadMemStats(&after)
			if !errors.Is(err, c.want) {
				t.Fatalf("Parse = %v, want an error wrapping %v", err, c.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset != c.offset {
				t.Fatalf("Parse = %#v, want a *FormatError at offset %d", err, c.offset)
			}
			if (img != nil) != errors.Is(err, ErrUnsupportedFeature) && c.want != ErrUnsupportedFeature {
				t.Errorf("Parse returned image %v with a structural error", img)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Errorf("Parse allocated %d bytes for a hostile header", grew)
			}
		})
	}
}

func TestParseValidHeader(t *testing.T) {
	b := validHeader()
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Parse(valid header) = %v", err)
	}
	if got := img.Info(); got.VirtualSize != 1<<30 || got.ClusterSize != 1<<16 || got.RefcountBits != 16 {
		t.Errorf("Info = %+v", got)
	}
}

// TestParseSkipsUnknownExtensions: an extension of a type qemu does not
// know is kept as found and skipped by its padded length, so the known
// extension after it is still read.
func TestParseSkipsUnknownExtensions(t *testing.T) {
	b := validHeader()
	ext := encodeExtension(nil, 0x12345678, []byte("odd!!"))
	ext = encodeExtension(ext, ExtBackingFormat, []byte("raw"))
	copy(b[headerLengthWithComp:], ext)
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if img.BackingFormat != "raw" || len(img.Extensions) != 2 || img.Extensions[0].Type.String() != "unknown" ||
		string(img.Extensions[0].Data) != "odd!!" || img.Extensions[1].Offset != headerLengthWithComp+16 {
		t.Errorf("extensions = %+v, backing format %q", img.Extensions, img.BackingFormat)
	}
}
