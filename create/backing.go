package create

import (
	"errors"
	"fmt"
	"io"
)

// BackingInfo is what the backing lookup learns from a backing file's
// bytes: its format, virtual size and the identity a child records. Only the
// field of the detected format's identity is set.
type BackingInfo struct {
	// Format is the format detected from the bytes.
	Format Format
	// VirtualSize is the backing's virtual size in bytes.
	VirtualSize int64
	// ClusterSize is the backing's allocation unit (0 for raw and fixed
	// VHD).
	ClusterSize int64
	// Subformat is "dynamic" or "fixed" for vpc and vhdx, the createType
	// for vmdk, "" otherwise.
	Subformat string
	// CID is the VMDK content ID a child records as parentCID.
	CID uint32
	// UUID and Timestamp are the VHD footer's identity, which a
	// differencing VHD child records.
	UUID      [16]byte
	Timestamp uint32
	// DataWriteGUID is the VHDX identity a differencing child records as
	// parent_linkage.
	DataWriteGUID [16]byte
	// Warnings are notes about the backing (recoverable damage).
	Warnings []string

	// parent is the format package's own Info, kept for planning a child.
	parent any
}

// lookupFunc reads one format's size and identity into b.
type lookupFunc func(r io.ReaderAt, size int64, b *BackingInfo) error

// lookups holds the lookup of every non-raw format.
var lookups = map[Format]lookupFunc{
	Qcow2: lookupQcow2,
	VMDK:  lookupVMDK,
	VPC:   lookupVPC,
	VHDX:  lookupVHDX,
}

// LookupBacking detects the format of a backing file of size bytes from its
// bytes and reads its virtual size and parent identity. It parses untrusted
// bytes (it runs in the sandbox guest); the format packages bound every read
// and allocation. Failures carry BackingReadFailed, BackingParseFailed,
// BackingAmbiguous, BackingNotSizeable or BackingDifferencing.
func LookupBacking(r io.ReaderAt, size int64) (*BackingInfo, error) {
	rec := &recordingReader{r: r}
	f, err := DetectFormat(rec, size)
	if err != nil {
		return nil, err
	}
	b := &BackingInfo{Format: f}
	if f == Raw {
		b.VirtualSize = size
		return b, nil
	}
	if err := lookups[f](rec, size, b); err != nil {
		if rec.err != nil {
			return nil, wrapError(BackingReadFailed, fmt.Sprintf("Could not read the %s backing file", f), rec.err)
		}
		return nil, err
	}
	if b.VirtualSize < 0 {
		return nil, newError(BackingNotSizeable, fmt.Sprintf("The %s backing file's virtual size does not fit in 63 bits", f))
	}
	return b, nil
}

// parseFailure maps a format package's Parse error: unsupported features
// (the format is recognised but its size cannot be trusted) are
// BackingNotSizeable, anything else BackingParseFailed.
func parseFailure(f Format, err error, unsupported ...error) error {
	for _, u := range unsupported {
		if errors.Is(err, u) {
			return wrapError(BackingNotSizeable, fmt.Sprintf("The backing file is %s but uses a feature instar cannot size", f), err)
		}
	}
	return wrapError(BackingParseFailed, fmt.Sprintf("Could not parse the %s backing file", f), err)
}

// recordingReader remembers the first error of the underlying reader other
// than io.EOF, so a parse failure caused by I/O is reported as one.
type recordingReader struct {
	r   io.ReaderAt
	err error
}

// ReadAt reads from the underlying reader and records its error.
func (rr *recordingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := rr.r.ReadAt(p, off)
	if err != nil && err != io.EOF && rr.err == nil {
		rr.err = err
	}
	return n, err
}
