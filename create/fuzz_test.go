package create

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime/metrics"
	"testing"
)

// fuzzMemoryBound is the most a backing lookup may allocate, whatever the
// bytes claim: the largest table a format package reads whole (qcow2's L1
// table, capped at 32 MiB as qemu caps it) plus headroom.
const fuzzMemoryBound = 80 << 20

// sparseFile is a file of size bytes made of zeros and a few runs of data,
// so a small fuzz input can stand for a multi-MiB image such as a VHDX.
type sparseFile struct {
	runs []sparseRun
	size int64
}

// sparseRun is data at a file offset.
type sparseRun struct {
	off  int64
	data []byte
}

// decodeSparse reads a fuzz input as runs: each is a 4-byte little-endian
// offset in 512-byte sectors, a 2-byte length and that many bytes. A
// truncated last run keeps what is there.
func decodeSparse(in []byte, size int64) sparseFile {
	f := sparseFile{size: size}
	for len(in) >= 6 {
		off := int64(binary.LittleEndian.Uint32(in)) * 512
		n := min(int(binary.LittleEndian.Uint16(in[4:])), len(in)-6)
		f.runs = append(f.runs, sparseRun{off, in[6 : 6+n]})
		in = in[6+n:]
	}
	return f
}

// encodeSparse is decodeSparse's inverse for an image: its non-zero
// sectors, grouped in runs.
func encodeSparse(img []byte) []byte {
	var out []byte
	for s := 0; s < len(img); s += 512 {
		if isZero(img[s:min(s+512, len(img))]) {
			continue
		}
		e := s
		for e < len(img) && e-s < 0xfe00 && !isZero(img[e:min(e+512, len(img))]) {
			e += 512
		}
		e = min(e, len(img))
		out = binary.LittleEndian.AppendUint32(out, uint32(s/512))
		out = binary.LittleEndian.AppendUint16(out, uint16(e-s))
		out = append(out, img[s:e]...)
		s = e - 512
	}
	return out
}

// ReadAt reads zeros overlaid with the runs, up to size.
func (f sparseFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= f.size {
		return 0, io.EOF
	}
	n := len(p)
	var err error
	if int64(n) > f.size-off {
		n, err = int(f.size-off), io.EOF
	}
	p = p[:n]
	clear(p)
	for _, r := range f.runs {
		lo, hi := max(off, r.off), min(off+int64(n), r.off+int64(len(r.data)))
		if lo < hi {
			copy(p[lo-off:hi-off], r.data[lo-r.off:])
		}
	}
	return n, err
}

// allocatedBytes returns the bytes allocated on the heap so far, read with
// runtime/metrics, which (unlike runtime.ReadMemStats) does not stop the
// world and so keeps the fuzzer fast.
func allocatedBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// FuzzBackingLookup feeds random bytes to the backing lookup as a backing
// file of a chosen size: it must never panic, every error must carry a
// code, and it must stay within fuzzMemoryBound.
func FuzzBackingLookup(f *testing.F) {
	for _, req := range []*Request{
		{Format: "qcow2", Filename: "s", Size: "1M"},
		{Format: "qcow2", Filename: "s", Size: "1G", Options: []string{"cluster_size=512,extended_l2=off,compat=0.10"}},
		{Format: "qcow2", Filename: "s", Size: "64M", Options: []string{"preallocation=metadata,extended_l2=on"}},
		{Format: "qcow2", Filename: "s", Size: "1M", BackingFile: "parent.raw", BackingFormat: "raw", Unsafe: true},
		{Format: "vmdk", Filename: "s", Size: "1M"},
		{Format: "vmdk", Filename: "s", Size: "1M", Options: []string{"subformat=streamOptimized"}},
		{Format: "vmdk", Filename: "s", Size: "1M", BackingFile: "parent.vmdk", BackingFormat: "vmdk", Unsafe: true},
		{Format: "vpc", Filename: "s", Size: "1M"},
		{Format: "vpc", Filename: "s", Size: "1M", Options: []string{"subformat=fixed"}},
		{Format: "vpc", Filename: "s", Size: "3M", Options: []string{"force_size=on"}},
		{Format: "vhdx", Filename: "s", Size: "1M"},
		{Format: "vhdx", Filename: "s", Size: "4M", Options: []string{"subformat=fixed,block_size=1M"}},
	} {
		img := createBytes(f, req, nil)
		seed := encodeSparse(img)
		// The seed must stand for the image: the lookup reads it back.
		if b, err := LookupBacking(decodeSparse(seed, int64(len(img))), int64(len(img))); err != nil || string(b.Format) != req.Format {
			f.Fatalf("seed for %+v does not read back: %+v, %v", req, b, err)
		}
		f.Add(seed, int64(len(img)))
	}
	descriptor := "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\nRW 2048 FLAT \"s-flat.vmdk\" 0\n"
	f.Add(encodeSparse([]byte(descriptor)), int64(len(descriptor)))
	for _, magic := range []string{"QFI\xfb", "KDMV", "# Disk DescriptorFile\n", "conectix", "vhdxfile"} {
		f.Add(encodeSparse([]byte(magic)), int64(8<<20))
	}
	f.Add([]byte{}, int64(0))

	f.Fuzz(func(t *testing.T, data []byte, size int64) {
		if size < 0 {
			size = -size
		}
		size %= 1 << 50 // beyond any format's limit, below int64 overflow
		file := decodeSparse(data, size)
		before := allocatedBytes()
		b, err := LookupBacking(file, size)
		if used := allocatedBytes() - before; used > fuzzMemoryBound {
			t.Errorf("lookup of a %d-byte file allocated %d bytes", size, used)
		}
		if err != nil {
			if c := CodeOf(err); c == Internal || !c.Known() {
				t.Errorf("error without a backing code: %v", err)
			}
			return
		}
		if b.VirtualSize < 0 || !bytes.Contains([]byte("raw qcow2 vmdk vpc vhdx"), []byte(b.Format)) {
			t.Errorf("lookup returned %+v", b)
		}
	})
}
