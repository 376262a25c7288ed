package guest

import (
	"io"
	"math"
)

// Read-cache geometry: chunks of readChunk bytes, at most readChunks kept
// (4 MiB), the oldest dropped first.
const (
	readChunk  = 256 << 10
	readChunks = 16
)

// readCache serves the sandboxed guest's small reads of its input from
// whole chunks. In the sandbox every pread64 is a VM exit (about 80 µs on
// the project's machines), and the format parsers read headers, region
// tables and metadata items a few bytes at a time, mostly close together:
// a vhdx backing took 14 reads, now 2. Reads larger than a chunk go
// straight through, as do empty ones. The input is read-only and nothing else writes it
// during a run, so the cached bytes stay true.
type readCache struct {
	r      io.ReaderAt
	chunks map[int64][]byte // by chunk index; shorter than readChunk at EOF
	order  []int64          // cached chunk indexes, oldest first
}

// newReadCache returns a readCache over r.
func newReadCache(r io.ReaderAt) *readCache {
	return &readCache{r: r, chunks: map[int64][]byte{}}
}

// ReadAt implements io.ReaderAt with r's results: the same bytes, io.EOF
// for a read that reaches the end, r's own error otherwise.
func (c *readCache) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 || len(p) > readChunk || off < 0 || off > math.MaxInt64-int64(len(p)) {
		return c.r.ReadAt(p, off)
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		idx := pos / readChunk
		chunk, err := c.chunk(idx)
		if err != nil {
			return n, err
		}
		start := pos - idx*readChunk
		if start >= int64(len(chunk)) {
			return n, io.EOF
		}
		n += copy(p[n:], chunk[start:])
		if n < len(p) && len(chunk) < readChunk {
			return n, io.EOF
		}
	}
	return n, nil
}

// chunk returns chunk idx, reading it when it is not cached.
func (c *readCache) chunk(idx int64) ([]byte, error) {
	if b, ok := c.chunks[idx]; ok {
		return b, nil
	}
	b := make([]byte, readChunk)
	n, err := c.r.ReadAt(b, idx*readChunk)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(c.order) == readChunks {
		delete(c.chunks, c.order[0])
		c.order = c.order[1:]
	}
	c.chunks[idx] = b[:n]
	c.order = append(c.order, idx)
	return b[:n], nil
}
