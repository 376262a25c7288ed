package vmdk

import (
	"encoding/binary"
	"io"
)

// Marker types of a streamOptimized file (VMware "Virtual Disk Format
// 5.0", section "Stream-Optimized Compressed Sparse Extents"). A metadata
// marker is one sector: uint64 value, uint32 size (0), uint32 type.
const (
	markerEndOfStream = 0
	markerFooter      = 3
	markerOffValue    = 0
	markerOffSize     = 8
	markerOffType     = 12
	footerLen         = 3 * SectorSize // footer marker, footer header, end-of-stream marker
)

// readFooter reads the footer header of a streamOptimized file whose
// header says "grain directory at end", with its two markers.
func readFooter(r io.ReaderAt, size int64) (SparseHeader, error) {
	end := size / SectorSize * SectorSize
	if end < footerLen+SectorSize {
		return SparseHeader{}, formatErr(ErrCorrupt, offGDOffset, "sparse header gdOffset", "points to a footer, but the %d-byte file has no room for one", size)
	}
	b := make([]byte, footerLen)
	at := end - footerLen
	if err := readFull(r, b, at, "footer"); err != nil {
		return SparseHeader{}, err
	}
	le := binary.LittleEndian
	fm, hdr, eos := b[:SectorSize], b[SectorSize:2*SectorSize], b[2*SectorSize:]
	switch {
	case le.Uint32(fm[markerOffSize:]) != 0 || le.Uint32(fm[markerOffType:]) != markerFooter:
		return SparseHeader{}, formatErr(ErrCorrupt, at, "footer marker", "not a footer marker")
	case string(hdr[:4]) != sparseMagic:
		return SparseHeader{}, formatErr(ErrCorrupt, at+SectorSize, "footer magic", "footer header lacks \"KDMV\"")
	case le.Uint64(eos[markerOffValue:]) != 0 || le.Uint32(eos[markerOffSize:]) != 0 || le.Uint32(eos[markerOffType:]) != markerEndOfStream:
		return SparseHeader{}, formatErr(ErrCorrupt, at+2*SectorSize, "end-of-stream marker", "not an end-of-stream marker")
	}
	h := decodeHeader(hdr)
	if h.GDOffset == gdAtEnd {
		return SparseHeader{}, formatErr(ErrCorrupt, at+SectorSize+offGDOffset, "footer gdOffset", "the footer also defers its grain directory to the footer")
	}
	return h, nil
}
