package create

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPreallocate checks falloc reserves the ranges, full writes them, off
// and metadata do nothing, and a bad range is refused.
func TestPreallocate(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		mode    Preallocation
		ranges  []Range
		size    int64 // the file's length afterwards
		atLeast int64 // bytes allocated afterwards
	}{
		{PreallocFalloc, []Range{{0, 1 << 20}}, 1 << 20, 1 << 20},
		{PreallocFull, []Range{{64 << 10, 3 << 20}}, 64<<10 + 3<<20, 3 << 20},
		{PreallocOff, []Range{{0, 1 << 20}}, 0, 0},
		{PreallocMetadata, []Range{{0, 1 << 20}}, 0, 0},
	} {
		path := filepath.Join(dir, c.mode.String())
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := Preallocate(f, c.mode, c.ranges); err != nil {
			t.Errorf("%v: %v", c.mode, err)
		}
		f.Close()
		if got := fileSize(t, path); got != c.size {
			t.Errorf("%v: file is %d bytes, want %d", c.mode, got, c.size)
		}
		if got := allocated(t, path); got < c.atLeast {
			t.Errorf("%v: %d bytes allocated, want at least %d", c.mode, got, c.atLeast)
		}
	}
	f, _ := os.Create(filepath.Join(dir, "bad"))
	defer f.Close()
	if err := Preallocate(f, PreallocFull, []Range{{-1, 10}}); CodeOf(err) != Internal {
		t.Errorf("negative range: %v", err)
	}
	if err := Preallocate(f, PreallocFull, []Range{{MaxSize, 10}}); CodeOf(err) != Internal {
		t.Errorf("overflowing range: %v", err)
	}
	// zeroFill is the fallback where fallocate is not supported.
	if err := zeroFill(f, Range{Offset: 100, Length: 3*chunkSize + 5}); err != nil || fileSize(t, filepath.Join(dir, "bad")) != 100+3*chunkSize+5 {
		t.Errorf("zeroFill: %v", err)
	}
}
