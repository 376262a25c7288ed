package vhdx

import (
	"encoding/binary"
	"fmt"
	"io"
)

// CheckBAT reads the whole BAT of img from r (the file of the given size
// it was parsed from), 1 MiB at a time, and makes the checks qemu-img
// makes when it opens an image: every fully present payload block must lie
// inside the file, and outside the header section, the log and every
// region. The first problem is returned as a *FormatError wrapping
// ErrCorrupt, naming the BAT entry; a truncated image is the usual cause.
//
// Parse does not do this because its cost grows with the virtual size (a
// 64 TiB image in 1 MiB blocks has a 512 MiB BAT); call CheckBAT when an
// image must be as acceptable as qemu-img finds it, for example before
// using it as a backing file.
func (img *Image) CheckBAT(r io.ReaderAt, size int64) error {
	// qemu measures the file in whole 512-byte sectors.
	fileLen := uint64(size+511) &^ 511
	used := img.usedSpans()
	ratio := chunkRatio(img.BlockSize, img.LogicalSectorSize)
	blocks := payloadBlocks(img.VirtualSize, img.BlockSize)
	bs := uint64(img.BlockSize)
	buf := make([]byte, min(logScanChunk, img.BATEntries*batEntrySize))
	for first := uint64(0); first < img.BATEntries; first += uint64(len(buf)) / batEntrySize {
		n := min(uint64(len(buf))/batEntrySize, img.BATEntries-first)
		chunk := buf[:n*batEntrySize]
		off := int64(img.BAT.FileOffset + first*batEntrySize)
		if m, err := r.ReadAt(chunk, off); m < len(chunk) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("vhdx: reading the BAT at offset %d: %w", off, err)
		}
		for k := range n {
			i := first + k
			if i%(ratio+1) == ratio {
				continue // a sector bitmap entry
			}
			v := binary.LittleEndian.Uint64(chunk[k*batEntrySize:])
			if BlockState(v&batStateMask) != BlockFullyPresent {
				continue
			}
			b := i - i/(ratio+1)
			if b >= blocks {
				continue // beyond the disk: never read
			}
			start := v &^ (1<<batFileOffsetShift - 1)
			length := min(bs, img.VirtualSize-b*bs) // the last block may be short
			at := off + int64(k*batEntrySize)
			field := fmt.Sprintf("BAT entry %d", i)
			if start >= fileLen || length > fileLen-start {
				return formatErr(ErrCorrupt, at, field,
					"block %d (%d bytes at %d) ends beyond the %d-byte file; the image has probably been truncated", b, length, start, size)
			}
			if s, ok := overlaps(used, start, start+bs); ok {
				return formatErr(ErrCorrupt, at, field, "block %d at %d overlaps the %s", b, start, s.name)
			}
		}
	}
	return nil
}
