package vhdx

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestPlanBoundedMemory plans the image with the largest BAT qemu allows
// (64 TiB in 1 MiB blocks: 512 MiB of entries) and checks that planning
// allocates almost nothing: the BAT is a generator.
func TestPlanBoundedMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := PlanImage(Options{Size: MaxVirtualSize, BlockSize: 1 << 20, Subformat: SubformatFixed, BlockStateZero: boolp(false)})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("PlanImage allocated %d bytes", alloc)
	}
	var data, gen int64
	for _, e := range p.Extents {
		if e.Fill != nil {
			gen += e.Length
		} else {
			data += e.Length
		}
	}
	// 2^26 payload entries and one sector bitmap entry per 4096 of them.
	if want := int64(1<<26+(1<<26-1)/4096) * 8; gen != want || data > 1<<20 {
		t.Errorf("generated %d bytes (want %d), data %d bytes", gen, want, data)
	}
	// The last payload block of a fixed image ends where the file ends.
	last := make([]byte, 8)
	bat := p.Extents[5]
	if _, err := p.ReadAt(last, bat.Offset+bat.Length-8); err != nil {
		t.Fatal(err)
	}
	e := binary.LittleEndian.Uint64(last)
	if BlockState(e&batStateMask) != BlockFullyPresent || int64(e&^(1<<20-1))+1<<20 != p.Size {
		t.Errorf("last BAT entry %#x, file size %d", e, p.Size)
	}
}

// TestPlanReadAt reads a plan at unaligned offsets and lengths, across
// extents, holes and the end, and compares with a full sequential read.
func TestPlanReadAt(t *testing.T) {
	p, err := PlanImage(fixedIdentity(Options{Size: 100 << 20, BlockSize: 1 << 20, Subformat: SubformatFixed, BlockStateZero: boolp(false)}))
	if err != nil {
		t.Fatal(err)
	}
	whole := make([]byte, p.Size)
	if n, err := p.ReadAt(whole, 0); n != len(whole) || err != nil {
		t.Fatalf("ReadAt whole: %d, %v", n, err)
	}
	// The BAT written sequentially by entries must equal what ReadAt gives.
	bat := whole[baseBAT : baseBAT+100*8]
	for i := range 100 {
		want := batEntry(BlockFullyPresent, uint64(8*mib+i*mib))
		if got := binary.LittleEndian.Uint64(bat[8*i:]); got != want {
			t.Fatalf("BAT entry %d = %#x, want %#x", i, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		off := rng.Int64N(p.Size + 10)
		n := rng.IntN(3000)
		if rng.IntN(4) == 0 { // near the BAT, unaligned inside entries
			off = baseBAT + rng.Int64N(1000)
		}
		buf := bytes.Repeat([]byte{0xee}, n)
		got, err := p.ReadAt(buf, off)
		switch {
		case off >= p.Size:
			if got != 0 || err != io.EOF {
				t.Fatalf("ReadAt(%d) past the end: %d, %v", off, got, err)
			}
		case off+int64(n) > p.Size:
			if int64(got) != p.Size-off || err != io.EOF || !bytes.Equal(buf[:got], whole[off:]) {
				t.Fatalf("ReadAt(%d, %d) at the end: %d, %v", off, n, got, err)
			}
		default:
			if got != n || err != nil || !bytes.Equal(buf, whole[off:off+int64(n)]) {
				t.Fatalf("ReadAt(%d, %d): %d, %v, differs", off, n, got, err)
			}
		}
	}
	if _, err := p.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("ReadAt at a negative offset succeeded")
	}
}

func TestPlanRandomIdentity(t *testing.T) {
	a, err := PlanImage(Options{Size: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	b, err := PlanImage(Options{Size: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if a.DataWriteGUID == b.DataWriteGUID || a.FileWriteGUID == b.FileWriteGUID || a.DiskID == b.DiskID || a.DataWriteGUID.IsZero() {
		t.Errorf("random GUIDs repeat: %v %v", a.DataWriteGUID, b.DataWriteGUID)
	}
	// Version 4 GUIDs, shown in the usual text form.
	if s := a.DataWriteGUID.String(); s[14] != '4' {
		t.Errorf("%s is not a version-4 GUID", s)
	}
	// A caller-supplied source makes the output reproducible.
	seed := func() *rand.ChaCha8 { return rand.NewChaCha8([32]byte{7}) }
	c, _ := PlanImage(Options{Size: 1 << 30, Rand: seed()})
	d, _ := PlanImage(Options{Size: 1 << 30, Rand: seed()})
	if c.DataWriteGUID != d.DataWriteGUID || !bytes.Equal(c.Extents[1].Data, d.Extents[1].Data) {
		t.Error("the same Rand gave different images")
	}
}

// TestPlanReadAtHandBuilt: ReadAt never panics on a plan a caller built
// with Data shorter than Length.
func TestPlanReadAtHandBuilt(t *testing.T) {
	p := &Plan{Size: 100, Extents: []Extent{{Offset: 10, Length: 20, Data: []byte("abc")}}}
	b := make([]byte, 100)
	if n, err := p.ReadAt(b, 0); n != 100 || err != nil {
		t.Fatalf("ReadAt: %d, %v", n, err)
	}
	if want := append(append(make([]byte, 10), "abc"...), make([]byte, 87)...); !bytes.Equal(b, want) {
		t.Errorf("got %q", b)
	}
}
