package qcow2

import (
	"io"
	"sort"
)

// planReader reads a Plan as the file it describes, without writing it:
// extents from their Data or Fill, zeros elsewhere.
type planReader struct{ p *Plan }

func (r planReader) ReadAt(b []byte, off int64) (int, error) {
	if off >= r.p.Size {
		return 0, io.EOF
	}
	n := len(b)
	if rest := r.p.Size - off; int64(n) > rest {
		n = int(rest)
	}
	clear(b[:n])
	ext := r.p.Extents
	i := sort.Search(len(ext), func(i int) bool { return ext[i].Offset+ext[i].Length > off })
	for ; i < len(ext) && ext[i].Offset < off+int64(n); i++ {
		e := ext[i]
		lo, hi := max(e.Offset, off), min(e.Offset+e.Length, off+int64(n))
		dst := b[lo-off : hi-off]
		if e.Data != nil {
			copy(dst, e.Data[lo-e.Offset:])
		} else {
			e.Fill(lo-e.Offset, dst)
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}
