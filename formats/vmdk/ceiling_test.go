package vmdk

import (
	"bytes"
	"errors"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestCeiling checks MaxVirtualSize against qemu-img: at the ceiling
// qemu-img's image (a 32 GiB sparse file with 64 MiB of grain directories)
// equals the plan byte for byte; one sector above, qemu-img writes grain
// directories that cover no grain table at all, and PlanImage refuses.
func TestCeiling(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	q := qemuCreate(t, dir, "max.vmdk", strconv.FormatInt(MaxVirtualSize, 10))
	im := parseFile(t, q)
	cid := im.Info().CID
	p, err := PlanImage(Options{Size: MaxVirtualSize, FileName: "max.vmdk", CID: &cid})
	if err != nil {
		t.Fatal(err)
	}
	comparePlanSparse(t, p, q)
	if got := jsonInt(t, infoJSON(t, q)["virtual-size"]); got != MaxVirtualSize {
		t.Errorf("qemu-img reads virtual size %d", got)
	}

	over := qemuCreate(t, dir, "over.vmdk", strconv.FormatInt(MaxVirtualSize+SectorSize, 10))
	h := parseFile(t, over).Header
	if tables := (h.GDOffset - h.RGDOffset) / gtSectors; tables != 0 || h.Capacity != MaxVirtualSize/SectorSize+1 {
		t.Errorf("above the ceiling qemu-img wrote %d grain tables for %d sectors; the ceiling is wrong", tables, h.Capacity)
	}
	for _, size := range []int64{MaxVirtualSize + 1, MaxVirtualSize + SectorSize} {
		if _, err := PlanImage(Options{Size: size, FileName: "x.vmdk"}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("PlanImage(%d): %v, want ErrTooLarge", size, err)
		}
	}
}

// comparePlanSparse compares a plan with a large sparse file without
// reading its holes: every data region of the file and every extent of
// the plan must hold the same bytes in both, and the sizes must agree.
func comparePlanSparse(t *testing.T, p *Plan, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if st.Size() != p.Size {
		t.Fatalf("qemu-img's file is %d bytes, the plan %d", st.Size(), p.Size)
	}
	type span struct{ lo, hi int64 }
	var spans []span
	for _, e := range p.Extents {
		spans = append(spans, span{e.Offset, e.Offset + e.Length})
	}
	for off := int64(0); off < st.Size(); {
		lo, err := f.Seek(off, seekData)
		if err != nil {
			break // no more data
		}
		hi, err := f.Seek(lo, seekHole)
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, span{lo, hi})
		off = hi
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	a, b := make([]byte, 1<<20), make([]byte, 1<<20)
	for _, s := range spans {
		for off := s.lo; off < s.hi; off += int64(len(a)) {
			n := int(min(int64(len(a)), s.hi-off))
			if _, err := f.ReadAt(a[:n], off); err != nil {
				t.Fatal(err)
			}
			if _, err := p.ReadAt(b[:n], off); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a[:n], b[:n]) {
				t.Fatalf("qemu-img's file and the plan differ in [%d, %d)", off, off+int64(n))
			}
		}
	}
}

// lseek whence values for sparse files (Linux).
const (
	seekData = 3
	seekHole = 4
)
