package vhdx

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
)

// The structured fuzz input places short windows of bytes at the offsets
// where the VHDX structures live in a qemu-made image with a 1 MiB log
// (metadata at 3 MiB), inside an otherwise zero file. Mutations then hit
// the fields Parse reads instead of megabytes of zeros.
var fuzzWindows = []struct {
	off  int64
	n    int
	blk  int // the checksummed block the window starts, or 0
	crcO int // offset of its checksum
}{
	{fileIDOffset, 64, 0, 0},
	{header1Offset, 128, headerSize, hdrChecksumOff},
	{header2Offset, 128, headerSize, hdrChecksumOff},
	{regionTable1Offset, 256, regionTableSize, rtChecksumOff},
	{regionTable2Offset, 256, regionTableSize, rtChecksumOff},
	{baseMeta, 512, 0, 0},
	{baseMeta + metadataTableSize, 1024, 0, 0},
}

// fuzzSizes are the file sizes a structured input can claim.
var fuzzSizes = []int64{8 * mib, 1 * mib, 3*mib + 64*kib, 1 << 50}

// windowReader is a sparse file: zeros except for its windows.
type windowReader struct {
	off []int64
	b   [][]byte
}

func (w *windowReader) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	for i, o := range w.off {
		b := w.b[i]
		lo, hi := max(o, off), min(o+int64(len(b)), off+int64(len(p)))
		if lo < hi {
			copy(p[lo-off:hi-off], b[lo-o:hi-o])
		}
	}
	return len(p), nil
}

// fuzzImage decodes a fuzz input: mode bit 0 selects raw bytes (the input
// is the whole file) or windows; bit 1 asks for valid checksums on the
// header and region table windows; bits 2-3 pick the claimed file size.
func fuzzImage(data []byte) (*windowReader, int64) {
	w := &windowReader{}
	if len(data) == 0 || data[0]&1 == 0 {
		if len(data) > 0 {
			data = data[1:]
		}
		w.off, w.b = []int64{0}, [][]byte{data}
		return w, int64(len(data))
	}
	mode, body := data[0], data[1:]
	for _, win := range fuzzWindows {
		b := make([]byte, win.n)
		k := copy(b, body)
		body = body[k:]
		if win.blk > 0 && mode&2 != 0 {
			binary.LittleEndian.PutUint32(b[win.crcO:], blockChecksum(b, win.blk, win.crcO))
		}
		w.off, w.b = append(w.off, win.off), append(w.b, b)
	}
	return w, fuzzSizes[int(mode>>2)%len(fuzzSizes)]
}

// zeros is the all-zero tail of a checksummed block.
var zeros [regionTableSize]byte

// blockChecksum is the checksum of a blk-byte block that holds b and then
// zeros, computed without building the block.
func blockChecksum(b []byte, blk, crcOff int) uint32 {
	c := crc32.Update(0, castagnoli, b[:crcOff])
	c = crc32.Update(c, castagnoli, zeros[:4])
	c = crc32.Update(c, castagnoli, b[crcOff+4:])
	return crc32.Update(c, castagnoli, zeros[:blk-len(b)])
}

// fuzzSeed encodes a planned image as a structured input with valid
// checksums.
func fuzzSeed(t testing.TB, o Options) []byte {
	img := planBytes(t, o)
	seed := []byte{1 | 2}
	for _, win := range fuzzWindows {
		seed = append(seed, img[win.off:win.off+int64(win.n)]...)
	}
	return seed
}

func FuzzParse(f *testing.F) {
	g := mustGUID("27618972-0b56-3e47-8b0a-915d7783c6e3")
	for _, o := range []Options{
		{Size: 16 << 20},
		{Size: 1 << 30, BlockStateZero: boolp(false)},
		{Size: 100 << 20, Subformat: SubformatFixed, BlockSize: 2 << 20},
		{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, RelativePath: "../p.vhdx", AbsoluteWin32Path: `d:\p.vhdx`}},
	} {
		f.Add(fuzzSeed(f, o))
	}
	// Raw mode: the input is the whole file (short files, truncation).
	f.Add(append([]byte{0}, planBytes(f, Options{Size: 16 << 20})[:4*kib]...))
	f.Add([]byte{0, 'v', 'h', 'd', 'x', 'f', 'i', 'l', 'e'})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, size := fuzzImage(data)
		img, err := Parse(r, size)
		if err != nil {
			return
		}
		info := img.Info()
		if info.VirtualSize > MaxVirtualSize || info.ClusterSize < MinBlockSize || info.ClusterSize > MaxBlockSize ||
			info.ClusterSize&(info.ClusterSize-1) != 0 || img.BATEntries*batEntrySize > uint64(img.BAT.Length) {
			t.Fatalf("Parse accepted an image outside the format's limits: %+v", info)
		}
		if img.HasParent != (img.Parent != nil) {
			t.Fatalf("HasParent %v but parent locator %v", img.HasParent, img.Parent)
		}
		// What was parsed can be planned again (FuzzPlan parses plans back).
		p, err := PlanImage(Options{Size: info.VirtualSize, BlockSize: uint64(info.ClusterSize)})
		if err != nil || p.VirtualSize != info.VirtualSize || p.BlockSize != info.ClusterSize {
			t.Fatalf("re-planning %d/%d: %v", info.VirtualSize, info.ClusterSize, err)
		}
	})
}

// TestFuzzSeedsParse makes sure the structured encoding reaches the deep
// code: a seed made from a valid image must parse as that image.
func TestFuzzSeedsParse(t *testing.T) {
	o := Options{Size: 100 << 20, Subformat: SubformatFixed, BlockSize: 2 << 20}
	r, size := fuzzImage(fuzzSeed(t, o))
	img, err := Parse(r, size)
	if err != nil {
		t.Fatal(err)
	}
	if img.VirtualSize != o.Size || img.BlockSize != 2<<20 || img.DiskType() != DiskFixed {
		t.Errorf("seed parsed as %+v", img.Info())
	}
}

// FuzzPlan plans images from arbitrary options and parses them back: every
// plan PlanImage accepts must parse as what was asked for, and every
// refusal must be an *OptionError.
func FuzzPlan(f *testing.F) {
	f.Add(uint64(16<<20), uint64(0), uint64(0), uint8(0))
	f.Add(uint64(MaxVirtualSize), uint64(1<<20), uint64(4095<<20), uint8(1))
	f.Add(uint64(1000), uint64(3<<20), uint64(1), uint8(2))
	f.Add(uint64(1<<40), uint64(1<<64-1), uint64(0), uint8(4|8))
	f.Fuzz(func(t *testing.T, size, blockSize, logSize uint64, flags uint8) {
		o := Options{Size: size, BlockSize: blockSize, LogSize: logSize, Subformat: Subformat(flags & 1)}
		if flags&2 != 0 {
			o.BlockStateZero = boolp(flags&4 != 0)
		}
		if flags&8 != 0 {
			o.Subformat = SubformatDynamic
			o.Parent = &Parent{DataWriteGUID: mustGUID("27618972-0b56-3e47-8b0a-915d7783c6e3"), RelativePath: "p.vhdx"}
		}
		p, err := PlanImage(fixedIdentity(o))
		if err != nil {
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("PlanImage refused with %T %v", err, err)
			}
			return
		}
		img, err := Parse(p, p.Size)
		if err != nil {
			t.Fatalf("Parse of a plan for %+v: %v", o, err)
		}
		if img.VirtualSize != p.VirtualSize || img.BlockSize != p.BlockSize || img.Header.LogLength != p.LogSize ||
			img.HasParent != (o.Parent != nil) || (img.DiskType() == DiskFixed) != (o.Subformat == SubformatFixed) {
			t.Fatalf("plan %+v parsed as %+v", o, img.Info())
		}
		if img.VirtualSize < size || img.VirtualSize-size >= 512 {
			t.Fatalf("size %d became %d", size, img.VirtualSize)
		}
	})
}
