package create

import (
	"io"
	"sort"
)

// planReader reads a plan as the file it describes, without writing it, so
// the format package's own parser can report what the new image will say
// (such as vpc's geometry-rounded virtual size).
type planReader struct{ p *plan }

// ReadAt serves the bytes of the planned file at off.
func (r planReader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off >= r.p.size {
		return 0, io.EOF
	}
	n := len(b)
	var err error
	if int64(n) > r.p.size-off {
		n, err = int(r.p.size-off), io.EOF
	}
	b = b[:n]
	clear(b)
	end := off + int64(n)
	ext := r.p.extents
	i := sort.Search(len(ext), func(i int) bool { return ext[i].offset+ext[i].length > off })
	for ; i < len(ext) && ext[i].offset < end; i++ {
		e := ext[i]
		lo, hi := max(off, e.offset), min(end, e.offset+e.length)
		dst := b[lo-off : hi-off]
		if e.fill != nil {
			e.fill(lo-e.offset, dst)
		} else {
			copy(dst, e.data[lo-e.offset:hi-e.offset])
		}
	}
	return n, err
}
