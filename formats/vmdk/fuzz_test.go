package vmdk

import (
	"errors"
	"strings"
	"testing"
)

// parseSeeds are images of every kind Parse reads, planned here (no
// oracle needed), plus damaged variants.
func parseSeeds(t testing.TB) [][]byte {
	cid, pcid := uint32(0x1234), uint32(0x99)
	var seeds [][]byte
	for _, o := range []Options{
		{Size: 1 << 20, FileName: "a.vmdk", CID: &cid},
		{Size: 2 << 20, FileName: "b.vmdk", Subformat: StreamOptimized, ZeroedGrain: true, CID: &cid},
		{Size: 1 << 20, FileName: "c.vmdk", AdapterType: AdapterLSILogic, BackingFile: "base.vmdk", ParentCID: &pcid, CID: &cid},
	} {
		p, err := PlanImage(o)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, compact(planBytes(t, p), 0))
	}
	seeds = append(seeds, compact(streamWithFooter(t), footerLen))
	seeds = append(seeds,
		[]byte("# Disk DescriptorFile\nversion=1\nCID=3a1d3b62\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\n# Extent description\nRW 2097152 FLAT \"fl-flat.vmdk\" 0\n\n# The Disk Data Base\n#DDB\n\nddb.virtualHWVersion = \"4\"\nddb.adapterType = \"ide\"\n"),
		[]byte("version=1\r\nCID=5fe36553\r\nparentCID=ffffffff\r\ncreateType=\"twoGbMaxExtentSparse\"\r\nRW 4194304 SPARSE \"tg-s001.vmdk\"\r\nRW 2097152 SPARSE \"tg-s002.vmdk\"\r\nRDONLY 8 VMFS \"/etc/shadow\"\r\n"),
		[]byte("KDMV"),
		[]byte("COWD"),
	)
	return seeds
}

// compact keeps a fuzz seed small (the fuzzer slows down badly on inputs
// of tens of KiB): the header and a 2-sector descriptor area, plus the
// last tail bytes (a footer), with the header's sizes shrunk to match.
func compact(b []byte, tail int) []byte {
	const keep = 3 * SectorSize
	out := append([]byte(nil), b[:keep]...)
	put64(offDescriptorSize, 2)(out)
	put64(offOverHead, 3)(out)
	return append(out, b[len(b)-tail:]...)
}

// FuzzParse: Parse never panics, fails only with a *FormatError, and what
// it accepts is self-consistent.
func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if h, _, err := ParseSparseExtent(bytesReader(data), int64(len(data))); err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseSparseExtent error is not a *FormatError: %v", err)
			}
		} else if h.GrainSize == 0 || h.NumGTEsPerGT == 0 {
			t.Fatalf("ParseSparseExtent accepted %+v", h)
		}
		im, err := Parse(bytesReader(data), int64(len(data)))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FormatError: %v", err)
			}
			return
		}
		info := im.Info()
		if info.VirtualSize < 0 || len(info.Extents) == 0 {
			t.Fatalf("accepted an image with size %d and %d extents", info.VirtualSize, len(info.Extents))
		}
		var sum int64
		for _, e := range info.Extents {
			sum += e.VirtualSize
		}
		if sum != info.VirtualSize {
			t.Fatalf("extents add up to %d, virtual size %d", sum, info.VirtualSize)
		}
		if h := im.Header; h != nil {
			if got := decodeHeader(h.encode()); got != *h {
				t.Fatalf("header does not survive encode/decode: %+v vs %+v", got, *h)
			}
		}
	})
}

// FuzzDescriptor: ParseDescriptor never panics and what it accepts obeys
// its limits.
func FuzzDescriptor(f *testing.F) {
	for _, s := range parseSeeds(f) {
		if !strings.HasPrefix(string(s), sparseMagic) {
			f.Add(s)
		}
	}
	f.Add([]byte("CID=1\nparentCID=\"ffffffff\"\nparentFileNameHint=\"a b\"\nRW 1 SPARSE \"x\"\nddb.k = \"v\"\n"))
	f.Add([]byte("createType=\"unterminated\nRW 8 FLAT \"a\x00\" 0\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		d, err := ParseDescriptor(text, 512)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset < 512 || fe.Offset > 512+int64(len(text)) {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		if len(d.Extents) > MaxExtents || len(d.ParentFileNameHint) > MaxParentFileNameHintLen {
			t.Fatalf("limits exceeded: %d extents", len(d.Extents))
		}
		for _, e := range d.Extents {
			if e.Sectors < 0 || e.Offset < 0 || strings.ContainsAny(e.FileName, "\"\n") || len(e.FileName) > MaxExtentFileNameLen {
				t.Fatalf("bad extent %+v", e)
			}
		}
		for _, kv := range append(d.DDB, d.Other...) {
			if strings.ContainsAny(kv.Key+kv.Value, "\"\n\x00") {
				t.Fatalf("bad key/value %+v", kv)
			}
		}
	})
}
