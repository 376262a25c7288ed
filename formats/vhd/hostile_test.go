package vhd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// planBytes materialises a small plan in memory.
func planBytes(t testing.TB, o Options) []byte {
	t.Helper()
	if o.UUID == nil {
		o.UUID = &UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	}
	if o.Time.IsZero() {
		o.Time = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	p, err := PlanImage(o)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, p.Size)
	for _, e := range p.Extents {
		if e.Data != nil {
			copy(b[e.Offset:], e.Data)
		} else {
			e.Fill(0, b[e.Offset:e.Offset+e.Length])
		}
	}
	return b
}

// countingReader records how much Parse reads, and its largest read.
type countingReader struct {
	r       io.ReaderAt
	total   int64
	largest int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.total += int64(len(p))
	c.largest = max(c.largest, len(p))
	return c.r.ReadAt(p, off)
}

// zeroPadded reads as b followed by zeros up to size: a huge sparse file.
type zeroPadded struct {
	b    []byte
	size int64
}

func (z zeroPadded) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= z.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), z.size-off))
	clear(p[:n])
	if off < int64(len(z.b)) {
		copy(p[:n], z.b[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// refixFooter recomputes the checksum of the footer at off.
func refixFooter(b []byte, off int) {
	binary.BigEndian.PutUint32(b[off+footChecksum:], checksum(b[off:off+FooterSize], footChecksum))
}

// refixHeader recomputes the checksum of the dynamic header at 512.
func refixHeader(b []byte) {
	h := b[FooterSize : FooterSize+DynamicHeaderSize]
	binary.BigEndian.PutUint32(h[dynChecksum:], checksum(h, dynChecksum))
}

// hostileCase is a damaged or hostile image and the error Parse must
// return for it.
type hostileCase struct {
	name    string
	base    []byte
	size    int64 // the size passed to Parse; 0 means len
	mutate  func(b []byte) []byte
	want    error
	wantOff int64
	// qemuOpens records where qemu-img 7.2 is more lenient: it does not
	// check the dynamic header checksum, the disk type, or the parent
	// locators, which it never reads.
	qemuOpens bool
}

// hostileCases builds the table.
func hostileCases(t testing.TB) []hostileCase {
	dynamic := planBytes(t, Options{Size: 10 << 20})
	large := planBytes(t, Options{Size: 1 << 30}) // a BAT of several sectors
	fixed := planBytes(t, Options{Size: 1 << 20, Subformat: SubformatFixed})
	parent := Info{VirtualSize: 10 << 20, CurrentSize: 10 << 20, Geometry: Geometry{65535, 16, 255}}
	child := planBytes(t, Options{Parent: &Parent{Info: parent, Name: "p.vhd", RelativePath: "p.vhd"}})
	const hdr = FooterSize
	be := binary.BigEndian
	return []hostileCase{
		{"empty file", dynamic, 0, func(b []byte) []byte { return nil }, ErrNotVHD, 0, false},
		{"zeros", dynamic, 0, func(b []byte) []byte { return make([]byte, 4096) }, ErrNotVHD, 4096 - FooterSize, false},
		{"footer checksum", dynamic, 0, func(b []byte) []byte { b[footUUID]++; return b }, ErrChecksum, footChecksum, false},
		{"disk type 7", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[footDiskType:], 7)
			refixFooter(b, 0)
			return b
		}, ErrUnsupported, footDiskType, true},
		{"disk type 1", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[footDiskType:], 1)
			refixFooter(b, 0)
			return b
		}, ErrUnsupported, footDiskType, true},
		{"dynamic without its footer copy", dynamic, 0, func(b []byte) []byte {
			clear(b[:FooterSize])
			return b
		}, ErrCorrupt, int64(len(dynamic)) - FooterSize + footDiskType, false},
		{"fixed trailing footer checksum", fixed, 0, func(b []byte) []byte { b[len(b)-1]++; return b }, ErrChecksum, int64(len(fixed)) - FooterSize + footChecksum, false},
		{"current size above 2040 GiB", dynamic, 0, func(b []byte) []byte {
			copy(b[footCreatorApp:], "qem2")
			be.PutUint64(b[footCurrentSize:], uint64(MaxVirtualSize)+512)
			refixFooter(b, 0)
			return b
		}, ErrTooLarge, footCurrentSize, false},
		{"data offset beyond the file", dynamic, 0, func(b []byte) []byte {
			be.PutUint64(b[footDataOffset:], 1<<62)
			refixFooter(b, 0)
			return b
		}, ErrCorrupt, footDataOffset, false},
		{"header cookie", dynamic, 0, func(b []byte) []byte { b[hdr]++; return b }, ErrCorrupt, hdr, false},
		{"header checksum", dynamic, 0, func(b []byte) []byte { b[hdr+dynParentName]++; return b }, ErrChecksum, hdr + dynChecksum, true},
		{"block size 0", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[hdr+dynBlockSize:], 0)
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynBlockSize, false},
		{"block size not a power of two", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[hdr+dynBlockSize:], 3<<20)
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynBlockSize, false},
		{"block size 256", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[hdr+dynBlockSize:], 256)
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynBlockSize, false},
		{"BAT entries 2^32-1", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[hdr+dynMaxTableEntries:], 0xFFFFFFFF)
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynMaxTableEntries, false},
		{"BAT entries 2^32-1 in a huge file", dynamic, 1 << 60, func(b []byte) []byte {
			be.PutUint32(b[hdr+dynMaxTableEntries:], 0xFFFFFFFF)
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynMaxTableEntries, false},
		{"BAT too small for the size", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[hdr+dynMaxTableEntries:], 1)
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynMaxTableEntries, false},
		{"BAT offset beyond the file", dynamic, 0, func(b []byte) []byte {
			be.PutUint64(b[hdr+dynTableOffset:], uint64(len(b)))
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynTableOffset, false},
		{"BAT offset 2^64-1", dynamic, 0, func(b []byte) []byte {
			be.PutUint64(b[hdr+dynTableOffset:], ^uint64(0))
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynTableOffset, false},
		{"truncated", large, 0, func(b []byte) []byte { return b[:2048] }, ErrCorrupt, hdr + dynTableOffset, false},
		{"block past the end", dynamic, 0, func(b []byte) []byte {
			be.PutUint32(b[batOffset+8:], 0xFFFFFFF0)
			return b
		}, ErrCorrupt, batOffset + 8, false},
		{"locator length 2^32-1", child, 0, func(b []byte) []byte {
			be.PutUint32(b[hdr+dynParentLocators+locDataLength:], 0xFFFFFFFF)
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynParentLocators + locDataLength, true},
		{"locator beyond the file", child, 0, func(b []byte) []byte {
			be.PutUint64(b[hdr+dynParentLocators+locDataOffset:], uint64(len(b)-4))
			refixHeader(b)
			return b
		}, ErrCorrupt, hdr + dynParentLocators + locDataOffset, true},
	}
}

// TestParseHostile feeds damaged and hostile images to Parse: each must
// fail with the right sentinel and byte offset, after a few small reads.
func TestParseHostile(t *testing.T) {
	for _, tc := range hostileCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mutate(append([]byte(nil), tc.base...))
			size := tc.size
			if size == 0 {
				size = int64(len(b))
			}
			r := &countingReader{r: zeroPadded{b, size}}
			_, err := Parse(r, size)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if fe.Offset != tc.wantOff {
				t.Errorf("error at byte %d, want %d: %v", fe.Offset, tc.wantOff, err)
			}
			if r.total > 1<<20 || r.largest > batChunk {
				t.Errorf("read %d bytes, largest read %d", r.total, r.largest)
			}
		})
	}
}

// TestParsePlanned round-trips planned images through Parse.
func TestParsePlanned(t *testing.T) {
	for _, o := range []Options{
		{Size: 0},
		{Size: 1 << 30},
		{Size: 1 << 30, ForceSize: true},
		{Size: 1 << 20, Subformat: SubformatFixed},
	} {
		b := planBytes(t, o)
		img, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		want, _, _ := sizeAndGeometry(o.Size, o.ForceSize)
		if inf := img.Info(); inf.VirtualSize != want || inf.UUID != (UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}) {
			t.Errorf("%+v: Info %+v", o, inf)
		}
	}
}

// TestParseHostileAgainstQemu writes each hostile image to a file and
// checks that qemu-img refuses it too, except where qemu is known to be
// more lenient (qemuOpens).
func TestParseHostileAgainstQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for _, tc := range hostileCases(t) {
		b := tc.mutate(append([]byte(nil), tc.base...))
		if tc.size != 0 {
			continue // a claimed size larger than the bytes cannot be a file
		}
		path := filepath.Join(dir, "h.vhd")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, err := testenv.RunErr(qemu, "info", "-f", "vpc", path)
		if opened := err == nil; opened != tc.qemuOpens {
			t.Errorf("%s: qemu-img opens it: %v (%s), want %v", tc.name, opened, bytes.TrimSpace(stderr), tc.qemuOpens)
		}
	}
}
