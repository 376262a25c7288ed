package create

import (
	"bytes"
	"testing"
)

// countingWriter records writes and the largest one.
type countingWriter struct {
	memWriter
	calls, largest int
}

func (w *countingWriter) WriteAt(p []byte, off int64) (int, error) {
	w.calls++
	w.largest = max(w.largest, len(p))
	return w.memWriter.WriteAt(p, off)
}

// TestApplyPlan checks data and fill extents land at their offsets, fills
// are generated in bounded chunks with absolute offsets, zero chunks are
// skipped and the file still gets its full length.
func TestApplyPlan(t *testing.T) {
	const size = 5*chunkSize + 1000
	fillStart := int64(chunkSize / 2)
	fillLen := int64(3*chunkSize + 7)
	p := &plan{size: size, extents: []extent{
		{offset: 0, length: 4, data: []byte("head")},
		{offset: fillStart, length: fillLen, fill: func(off int64, b []byte) {
			for i := range b {
				b[i] = byte((off + int64(i)) % 251)
			}
		}},
		{offset: 4*chunkSize + 10, length: chunkSize / 4, fill: func(int64, []byte) {}}, // all zero: skipped
	}}
	var w countingWriter
	n, err := applyPlan(&w, p)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(w.b)) != size {
		t.Fatalf("file is %d bytes, want %d", len(w.b), size)
	}
	if w.largest > chunkSize {
		t.Errorf("largest write %d bytes, bound %d", w.largest, chunkSize)
	}
	want := make([]byte, size)
	copy(want, "head")
	for i := fillStart; i < fillStart+fillLen; i++ {
		want[i] = byte((i - fillStart) % 251) // Fill offsets are relative to the extent
	}
	if !bytes.Equal(w.b, want) {
		t.Error("written bytes differ from the plan")
	}
	if n != 4+fillLen+1 {
		t.Errorf("BytesWritten %d, want %d (data, fill and the last byte)", n, 4+fillLen+1)
	}
}

// TestApplyPlanRejectsBadPlans checks overlapping, out-of-file and
// inconsistent extents are Internal errors rather than silent damage.
func TestApplyPlanRejectsBadPlans(t *testing.T) {
	for name, p := range map[string]*plan{
		"overlap":     {size: 100, extents: []extent{{offset: 0, length: 10, data: make([]byte, 10)}, {offset: 5, length: 10, data: make([]byte, 10)}}},
		"beyond end":  {size: 100, extents: []extent{{offset: 95, length: 10, data: make([]byte, 10)}}},
		"short data":  {size: 100, extents: []extent{{offset: 0, length: 10, data: make([]byte, 3)}}},
		"negative":    {size: 100, extents: []extent{{offset: 0, length: -1, data: nil}}},
		"huge length": {size: 100, extents: []extent{{offset: 50, length: 1 << 62, fill: func(int64, []byte) {}}}},
	} {
		if _, err := applyPlan(&memWriter{}, p); CodeOf(err) != Internal {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestPlanReader checks the reader serves the same bytes applyPlan writes.
func TestPlanReader(t *testing.T) {
	p := &plan{size: 3000, extents: []extent{
		{offset: 10, length: 5, data: []byte("abcde")},
		{offset: 1000, length: 1500, fill: func(off int64, b []byte) {
			for i := range b {
				b[i] = byte(off + int64(i))
			}
		}},
	}}
	var w memWriter
	if _, err := applyPlan(&w, p); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{0, 3000}, {12, 1}, {999, 3}, {1200, 700}, {2990, 10}} {
		got := make([]byte, r[1])
		if n, err := (planReader{p}).ReadAt(got, r[0]); n != len(got) || (err != nil && r[0]+r[1] < 3000) {
			t.Fatalf("ReadAt(%d,+%d) = %d, %v", r[0], r[1], n, err)
		}
		if !bytes.Equal(got, w.b[r[0]:r[0]+r[1]]) {
			t.Errorf("ReadAt(%d,+%d) differs from the written file", r[0], r[1])
		}
	}
}
