package qcow2

import (
	"bytes"
	"testing"
)

// TestFillChunking checks that every generator yields the same bytes
// however the writer splits its extent, including splits inside entries
// and inside sub-byte refcounts.
func TestFillChunking(t *testing.T) {
	for _, o := range []Options{
		{Size: 40 << 20, ClusterSize: 4096, Preallocation: PreallocMetadata},
		{Size: 20 << 20, ClusterSize: 1024, RefcountBits: 1, Preallocation: PreallocMetadata},
		{Size: 9 << 20, ClusterSize: 512, RefcountBits: 4, Preallocation: PreallocFalloc},
		{Size: 5 << 20, ClusterSize: 16384, ExtendedL2: true, Preallocation: PreallocFull},
		{Size: 3 << 20, ClusterSize: 512, RefcountBits: 64, Preallocation: PreallocMetadata},
		{Size: 10 << 30, ClusterSize: 512, RefcountBits: 2},
	} {
		p, err := PlanImage(o)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range p.Extents {
			if e.Fill == nil || (i > 64 && i < len(p.Extents)-64) {
				continue // the first and last extents cover every kind of structure
			}
			whole := make([]byte, e.Length)
			e.Fill(0, whole)
			for _, chunk := range []int64{1, 7, 13, 4099} {
				got := make([]byte, e.Length)
				for off := int64(0); off < e.Length; off += chunk {
					e.Fill(off, got[off:min(off+chunk, e.Length)])
				}
				if !bytes.Equal(got, whole) {
					t.Fatalf("%+v: extent at %d filled in %d-byte chunks differs from one fill", o, e.Offset, chunk)
				}
			}
		}
	}
}
