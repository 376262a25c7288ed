package guest

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// countingReader is a bytes.Reader that counts its ReadAt calls.
type countingReader struct {
	*bytes.Reader
	reads int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	return c.Reader.ReadAt(p, off)
}

// sameRead checks that the cache answers a read as the underlying reader
// does: the same count, bytes and error.
func sameRead(t *testing.T, c *readCache, want io.ReaderAt, n int, off int64) {
	t.Helper()
	got, exp := make([]byte, n), make([]byte, n)
	gn, gerr := c.ReadAt(got, off)
	en, eerr := want.ReadAt(exp, off)
	if gn != en || !bytes.Equal(got[:gn], exp[:en]) || (gerr == nil) != (eerr == nil) || (eerr == io.EOF) != errors.Is(gerr, io.EOF) {
		t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; the file gives %d, %v", n, off, gn, gerr, en, eerr)
	}
}

// TestReadCacheMatchesFile checks the cache against plain reads, across
// chunk boundaries, at and past the end, and beyond its capacity.
func TestReadCacheMatchesFile(t *testing.T) {
	data := make([]byte, 3*readChunk+12345)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	file := bytes.NewReader(data)
	c := newReadCache(file)
	size := int64(len(data))
	for _, r := range []struct {
		n   int
		off int64
	}{
		{8, 0}, {512, readChunk - 100}, {readChunk, 1}, {readChunk + 1, 0}, {100, size - 50},
		{100, size}, {1, size + 1000}, {0, size + 5}, {10, -1}, {16, 1<<63 - 8}, {0, 0},
	} {
		sameRead(t, c, file, r.n, r.off)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		sameRead(t, c, file, rng.IntN(2*readChunk), rng.Int64N(size+readChunk))
	}
	if len(c.chunks) > readChunks || len(c.order) != len(c.chunks) {
		t.Fatalf("%d chunks cached (%d in order), at most %d allowed", len(c.chunks), len(c.order), readChunks)
	}
}

// TestReadCacheSavesReads checks the point of the cache: a parser's
// scattered small reads near each other become one read each chunk.
func TestReadCacheSavesReads(t *testing.T) {
	file := &countingReader{Reader: bytes.NewReader(make([]byte, 4*readChunk))}
	c := newReadCache(file)
	p := make([]byte, 16)
	for off := int64(0); off < readChunk; off += 4096 {
		if _, err := c.ReadAt(p, off); err != nil {
			t.Fatal(err)
		}
	}
	if file.reads != 1 {
		t.Fatalf("64 reads within one chunk reached the file %d times, want 1", file.reads)
	}
}

// TestReadCachePassesErrors checks that a failing read is reported, not
// cached as data.
func TestReadCachePassesErrors(t *testing.T) {
	boom := errors.New("boom")
	c := newReadCache(failingReader{boom})
	for i := 0; i < 2; i++ {
		if _, err := c.ReadAt(make([]byte, 8), 0); !errors.Is(err, boom) {
			t.Fatalf("read %d: err = %v, want the reader's error", i, err)
		}
	}
}

type failingReader struct{ err error }

func (f failingReader) ReadAt([]byte, int64) (int, error) { return 0, f.err }
