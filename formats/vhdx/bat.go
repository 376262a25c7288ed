package vhdx

import (
	"encoding/binary"
	"fmt"
	"io"
)

// BlockState is the state field of a Block Allocation Table entry
// (MS-VHDX 2.5.1.1 payload block states, 2.5.1.2 sector bitmap states).
type BlockState uint8

// Payload and sector bitmap block states.
const (
	BlockNotPresent       BlockState = 0 // payload: read from parent or zeros; bitmap: absent
	BlockUndefined        BlockState = 1
	BlockZero             BlockState = 2 // payload reads as zeros
	BlockUnmapped         BlockState = 3
	BlockFullyPresent     BlockState = 6 // payload (or sector bitmap) is in the file
	BlockPartiallyPresent BlockState = 7 // differencing: consult the sector bitmap
)

var blockStateNames = map[BlockState]string{
	BlockNotPresent:       "not-present",
	BlockUndefined:        "undefined",
	BlockZero:             "zero",
	BlockUnmapped:         "unmapped",
	BlockFullyPresent:     "fully-present",
	BlockPartiallyPresent: "partially-present",
}

// MarshalText returns the String form.
func (s BlockState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s BlockState) String() string {
	if n, ok := blockStateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("BlockState(%d)", uint8(s))
}

// BAT entry layout (MS-VHDX 2.5.1): state in bits 0-2, the file offset in
// MiB in bits 20-63.
const (
	batEntrySize       = 8
	batStateMask       = 0x7
	batFileOffsetShift = 20
)

// batEntry returns the on-disk value of a BAT entry.
func batEntry(state BlockState, fileOffset uint64) uint64 {
	return fileOffset&^(mib-1) | uint64(state)&batStateMask
}

// chunkRatio is the number of payload blocks one sector bitmap block
// describes (MS-VHDX 2.5.1): 2^23 * logicalSector / blockSize. Both are
// powers of two with blockSize ≤ 256 MiB, so the result is at least 16.
func chunkRatio(blockSize, logicalSector uint32) uint64 {
	return (uint64(1) << maxSectorsPerBlockLog) * uint64(logicalSector) / uint64(blockSize)
}

// payloadBlocks is ceil(virtualSize / blockSize).
func payloadBlocks(virtualSize uint64, blockSize uint32) uint64 {
	return (virtualSize + uint64(blockSize) - 1) / uint64(blockSize)
}

// batEntries is the number of BAT entries the specification requires
// (MS-VHDX 2.5): payload entries with a sector bitmap entry interleaved
// after every chunkRatio of them; a differencing file has every bitmap
// entry, so its count is a whole number of chunks.
func batEntries(virtualSize uint64, blockSize, logicalSector uint32, hasParent bool) uint64 {
	ratio := chunkRatio(blockSize, logicalSector)
	blocks := payloadBlocks(virtualSize, blockSize)
	if hasParent {
		chunks := (blocks + ratio - 1) / ratio
		return chunks * (ratio + 1)
	}
	if blocks == 0 {
		return 0
	}
	return blocks + (blocks-1)/ratio
}

// BATEntry is a decoded Block Allocation Table entry.
type BATEntry struct {
	State BlockState
	// FileOffset is the byte offset of the block in the file; it is
	// meaningful only for BlockFullyPresent and BlockPartiallyPresent.
	FileOffset uint64
}

// BlockEntry reads the BAT entry of payload block n (the block holding
// virtual bytes n*BlockSize onwards) from r, the file img was parsed from.
// It reads 8 bytes; the BAT itself is never loaded whole. A present block
// is checked to lie inside the file of the given size.
func (img *Image) BlockEntry(r io.ReaderAt, size int64, n uint64) (BATEntry, error) {
	blocks := payloadBlocks(img.VirtualSize, img.BlockSize)
	if n >= blocks {
		return BATEntry{}, fmt.Errorf("vhdx: block %d is beyond the last block (%d blocks of %d bytes)", n, blocks, img.BlockSize)
	}
	ratio := chunkRatio(img.BlockSize, img.LogicalSectorSize)
	i := n + n/ratio                                  // skip the interleaved sector bitmap entries
	off := int64(img.BAT.FileOffset + i*batEntrySize) // i < BATEntries, checked by Parse to fit the region
	var b [batEntrySize]byte
	if m, err := r.ReadAt(b[:], off); m < len(b) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return BATEntry{}, fmt.Errorf("vhdx: reading BAT entry %d at offset %d: %w", i, off, err)
	}
	v := binary.LittleEndian.Uint64(b[:])
	e := BATEntry{State: BlockState(v & batStateMask), FileOffset: v &^ (1<<batFileOffsetShift - 1)}
	if e.State == BlockFullyPresent || e.State == BlockPartiallyPresent {
		// The last block may be cut short at the end of the virtual disk,
		// as qemu-img writes fixed images.
		length := min(uint64(img.BlockSize), img.VirtualSize-n*uint64(img.BlockSize))
		if e.FileOffset < headerSectionSize || e.FileOffset > uint64(size) || length > uint64(size)-e.FileOffset {
			return e, formatErr(ErrCorrupt, off, fmt.Sprintf("BAT entry %d", i),
				"block %d (%d bytes at %d) lies outside the %d-byte file", n, length, e.FileOffset, size)
		}
	}
	return e, nil
}
