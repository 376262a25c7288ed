package testenv

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// Whence values of lseek(2) that find a sparse file's data; os has no names
// for them.
const (
	seekData = 3
	seekHole = 4
)

// SameFile fails the test unless the files at want and got have the same
// length and bytes, naming the first offset where they differ. It reads
// only the regions that hold data in either file (SEEK_DATA/SEEK_HOLE), so
// multi-GiB sparse images compare in the time their metadata takes.
func SameFile(t testing.TB, want, got string) {
	t.Helper()
	a, sa := openSized(t, want)
	defer a.Close()
	b, sb := openSized(t, got)
	defer b.Close()
	if sa != sb {
		t.Fatalf("%s is %d bytes, %s is %d", got, sb, want, sa)
	}
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for _, r := range append(dataRegions(t, a, sa), dataRegions(t, b, sb)...) {
		for off := r[0]; off < r[1]; {
			n := min(int64(len(ba)), r[1]-off)
			if _, err := a.ReadAt(ba[:n], off); err != nil && err != io.EOF {
				t.Fatal(err)
			}
			if _, err := b.ReadAt(bb[:n], off); err != nil && err != io.EOF {
				t.Fatal(err)
			}
			if !bytes.Equal(ba[:n], bb[:n]) {
				i := 0
				for ba[i] == bb[i] {
					i++
				}
				t.Fatalf("%s and %s differ first at offset %#x: %#02x (want) vs %#02x (got)",
					want, got, off+int64(i), ba[i], bb[i])
			}
			off += n
		}
	}
}

// openSized opens a file for SameFile and returns it with its length.
func openSized(t testing.TB, path string) (*os.File, int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	return f, st.Size()
}

// dataRegions lists the [start, end) byte ranges of f that hold data.
func dataRegions(t testing.TB, f *os.File, size int64) [][2]int64 {
	t.Helper()
	var rs [][2]int64
	for off := int64(0); off < size; {
		start, err := f.Seek(off, seekData)
		if err != nil {
			break // ENXIO: no data after off
		}
		end, err := f.Seek(start, seekHole)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, [2]int64{start, end})
		off = end
	}
	return rs
}
