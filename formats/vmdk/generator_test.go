package vmdk

import (
	"bytes"
	"runtime"
	"testing"
)

// TestFillChunking: the grain-directory generators give the same bytes
// whatever the chunking of the writer, including chunks that split an
// entry.
func TestFillChunking(t *testing.T) {
	cid := uint32(7)
	p, err := PlanImage(Options{Size: 300 << 30, FileName: "c.vmdk", CID: &cid})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Extents {
		if e.Fill == nil {
			continue
		}
		whole := make([]byte, e.Length)
		e.Fill(0, whole)
		for _, chunk := range []int64{1, 3, 5, 512, 4093} {
			got := make([]byte, 0, e.Length)
			buf := make([]byte, chunk)
			for off := int64(0); off < e.Length; off += chunk {
				b := buf[:min(chunk, e.Length-off)]
				for i := range b {
					b[i] = 0xAA // a generator must overwrite, not OR into, p
				}
				e.Fill(off, b)
				got = append(got, b...)
			}
			if !bytes.Equal(got, whole) {
				t.Fatalf("extent at %d: chunks of %d bytes give other bytes", e.Offset, chunk)
			}
		}
	}
}

// TestPlanMemory: planning the largest image allocates a few KiB; its
// 32 MiB grain directories exist only while written.
func TestPlanMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := PlanImage(Options{Size: MaxVirtualSize, FileName: "m.vmdk"})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("PlanImage allocated %d bytes", n)
	}
	var gd int64
	for _, e := range p.Extents {
		if e.Fill != nil {
			gd += e.Length
		}
	}
	if gd != 2*(1<<16)*SectorSize {
		t.Errorf("grain directories total %d bytes, want 2 × 32 MiB", gd)
	}
}
