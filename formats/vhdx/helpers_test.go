package vhdx

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// writePlan writes a plan to a new sparse file, the way a caller applying a
// plan would: extents only, holes elsewhere. It is the test-only writer the
// oracle checks run against.
func writePlan(t testing.TB, p *Plan, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for _, e := range p.Extents {
		if e.Data != nil {
			if _, err := f.WriteAt(e.Data, e.Offset); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for off := int64(0); off < e.Length; off += int64(len(buf)) {
			n := min(int64(len(buf)), e.Length-off)
			e.Fill(off, buf[:n])
			if _, err := f.WriteAt(buf[:n], e.Offset+off); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Truncate(p.Size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// qemuCreate makes an image with qemu-img create and returns its path.
func qemuCreate(t testing.TB, size, opts string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qemu.vhdx")
	args := []string{"create", "-q", "-f", "vhdx"}
	if opts != "" {
		args = append(args, "-o", opts)
	}
	testenv.QemuImg(t, append(args, path, size)...)
	return path
}

// parseFile parses an image file with Parse.
func parseFile(t testing.TB, path string) *Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	img, err := Parse(f, st.Size())
	if err != nil {
		t.Fatalf("Parse %s: %v", path, err)
	}
	return img
}

// firstDifference compares a file with what a reader yields, chunk by chunk,
// and returns the offset of the first differing byte, or -1.
func firstDifference(t testing.TB, path string, r io.ReaderAt, size int64) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if st.Size() != size {
		t.Fatalf("%s is %d bytes, plan is %d", path, st.Size(), size)
	}
	a, b := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(a)) {
		n := int(min(int64(len(a)), size-off))
		if _, err := f.ReadAt(a[:n], off); err != nil && err != io.EOF {
			t.Fatal(err)
		}
		if _, err := r.ReadAt(b[:n], off); err != nil && err != io.EOF {
			t.Fatal(err)
		}
		if !bytes.Equal(a[:n], b[:n]) {
			for i := range n {
				if a[i] != b[i] {
					return off + int64(i)
				}
			}
		}
	}
	return -1
}

// byteReader is an io.ReaderAt over a byte slice.
func byteReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
