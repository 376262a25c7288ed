package create

import (
	"fmt"
	"io"
)

// chunkSize bounds the memory a Fill extent uses while it is written.
const chunkSize = 1 << 20

// extent is one run of a plan, in the shape every format package uses.
type extent struct {
	offset, length int64
	data           []byte
	fill           func(off int64, p []byte) // off is relative to offset
}

// plan is a format package's plan, copied into one type.
type plan struct {
	size    int64
	extents []extent
	// prealloc lists the data ranges falloc or full preallocation covers.
	prealloc []Range
	// virtualSize, when not 0, is the virtual size the image records if it
	// differs from the requested one (vpc's CHS rounding).
	virtualSize int64
}

// applyPlan writes a plan to w in bounded memory: Data extents as they are,
// Fill extents in chunks of at most chunkSize. Chunks that are entirely zero
// are skipped (the file is fresh, so they read as zero already), and the last
// byte of the file is written when no extent reaches it, so the file gets its
// full length from WriteAt alone. It returns the bytes written.
func applyPlan(w io.WriterAt, p *plan) (int64, error) {
	var written, end, reached int64 // reached: end of the last bytes written
	var buf []byte
	for i, e := range p.extents {
		if e.offset < end || e.length < 0 || e.offset > p.size-e.length {
			return written, newError(Internal, fmt.Sprintf("plan extent %d [%d,+%d) overlaps the previous one or leaves the %d-byte file", i, e.offset, e.length, p.size))
		}
		end = e.offset + e.length
		if e.fill == nil {
			if int64(len(e.data)) != e.length {
				return written, newError(Internal, fmt.Sprintf("plan extent %d holds %d bytes for a length of %d", i, len(e.data), e.length))
			}
			n, err := writeNonZero(w, e.data, e.offset)
			written += n
			if err != nil {
				return written, err
			}
			if n > 0 {
				reached = end
			}
			continue
		}
		if buf == nil {
			buf = make([]byte, chunkSize)
		}
		for off := e.offset; off < end; {
			n := min(int64(chunkSize), end-off)
			chunk := buf[:n]
			clear(chunk)
			e.fill(off-e.offset, chunk)
			m, err := writeNonZero(w, chunk, off)
			written += m
			if err != nil {
				return written, err
			}
			off += n
			if m > 0 {
				reached = off
			}
		}
	}
	if p.size > 0 && reached < p.size {
		if _, err := w.WriteAt([]byte{0}, p.size-1); err != nil {
			return written, wrapError(WriteFailed, "Could not extend the image file", err)
		}
		written++
	}
	return written, nil
}

// writeNonZero writes p at off unless it is all zero, and maps a failure to
// WriteFailed.
func writeNonZero(w io.WriterAt, p []byte, off int64) (int64, error) {
	if isZero(p) {
		return 0, nil
	}
	n, err := w.WriteAt(p, off)
	if err != nil {
		return int64(n), wrapError(WriteFailed, fmt.Sprintf("Could not write %d bytes at offset %d", len(p), off), err)
	}
	return int64(n), nil
}

// isZero reports whether p holds only zero bytes.
func isZero(p []byte) bool {
	for _, b := range p {
		if b != 0 {
			return false
		}
	}
	return true
}
