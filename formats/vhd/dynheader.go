package vhd

import (
	"bytes"
	"encoding/binary"
)

// Dynamic disk header layout (VHD spec, "Dynamic Disk Header Format"
// table). All fields are big-endian.
const (
	DynamicHeaderSize = 1024

	dynCookie          = 0   // 8 bytes, "cxsparse"
	dynDataOffset      = 8   // uint64, unused: all ones
	dynTableOffset     = 16  // uint64, BAT offset
	dynVersion         = 24  // uint32, 0x00010000
	dynMaxTableEntries = 28  // uint32, BAT entries
	dynBlockSize       = 32  // uint32
	dynChecksum        = 36  // uint32
	dynParentUUID      = 40  // 16 bytes
	dynParentTimestamp = 56  // uint32
	dynParentName      = 64  // 512 bytes, UTF-16BE
	dynParentLocators  = 576 // 8 entries of 24 bytes

	parentNameSize   = 512
	locatorCount     = 8
	locatorEntrySize = 24

	// Parent locator entry layout (VHD spec, "Parent Locator Entry").
	locPlatformCode = 0  // uint32
	locDataSpace    = 4  // uint32, space reserved for the data
	locDataLength   = 8  // uint32, bytes of data
	locDataOffset   = 16 // uint64, file offset of the data
)

// dynamicCookie starts every dynamic disk header.
var dynamicCookie = []byte("cxsparse")

// DefaultBlockSize is the block size qemu-img always writes: 2 MiB.
const DefaultBlockSize = 2 << 20

// unusedBATEntry marks a block that is not allocated.
const unusedBATEntry = 0xFFFFFFFF

// DynamicHeader is the decoded dynamic disk header of a dynamic or
// differencing disk.
type DynamicHeader struct {
	TableOffset     uint64 // file offset of the Block Allocation Table
	Version         uint32
	MaxTableEntries uint32 // BAT entries
	BlockSize       uint32 // bytes per block, a power of two
	Checksum        uint32
	ParentUUID      UUID
	ParentTimestamp Timestamp
	ParentNameRaw   [parentNameSize]byte // UTF-16BE, NUL padded
	Locators        [locatorCount]LocatorEntry
}

// LocatorEntry is one raw parent locator entry.
type LocatorEntry struct {
	Platform   PlatformCode
	DataSpace  uint32 // bytes reserved (Windows writes bytes; the spec says sectors)
	DataLength uint32 // bytes of locator data
	DataOffset uint64 // file offset of the locator data
}

// decodeDynamicHeader decodes and verifies a header read at file offset off.
func decodeDynamicHeader(b []byte, off int64) (DynamicHeader, error) {
	if !bytes.Equal(b[dynCookie:dynCookie+8], dynamicCookie) {
		return DynamicHeader{}, formatErr(ErrCorrupt, off+dynCookie, "dynamic header cookie",
			"no \"cxsparse\" cookie where the footer's data offset points")
	}
	be := binary.BigEndian
	h := DynamicHeader{
		TableOffset:     be.Uint64(b[dynTableOffset:]),
		Version:         be.Uint32(b[dynVersion:]),
		MaxTableEntries: be.Uint32(b[dynMaxTableEntries:]),
		BlockSize:       be.Uint32(b[dynBlockSize:]),
		Checksum:        be.Uint32(b[dynChecksum:]),
		ParentTimestamp: Timestamp(be.Uint32(b[dynParentTimestamp:])),
	}
	copy(h.ParentUUID[:], b[dynParentUUID:])
	copy(h.ParentNameRaw[:], b[dynParentName:])
	for i := range h.Locators {
		e := b[dynParentLocators+i*locatorEntrySize:]
		h.Locators[i] = LocatorEntry{
			Platform:   PlatformCode(be.Uint32(e[locPlatformCode:])),
			DataSpace:  be.Uint32(e[locDataSpace:]),
			DataLength: be.Uint32(e[locDataLength:]),
			DataOffset: be.Uint64(e[locDataOffset:]),
		}
	}
	if sum := checksum(b[:DynamicHeaderSize], dynChecksum); sum != h.Checksum {
		return DynamicHeader{}, formatErr(ErrChecksum, off+dynChecksum, "dynamic header checksum",
			"stored %#08x, computed %#08x (the header is damaged)", h.Checksum, sum)
	}
	return h, nil
}

// encode returns the header's 1024 bytes with the checksum computed.
func (h *DynamicHeader) encode() []byte {
	b := make([]byte, DynamicHeaderSize)
	be := binary.BigEndian
	copy(b[dynCookie:], dynamicCookie)
	// qemu notes that Microsoft's tools expect all 64 bits set, not the
	// 32 the spec shows.
	be.PutUint64(b[dynDataOffset:], noDataOffset)
	be.PutUint64(b[dynTableOffset:], h.TableOffset)
	be.PutUint32(b[dynVersion:], h.Version)
	be.PutUint32(b[dynMaxTableEntries:], h.MaxTableEntries)
	be.PutUint32(b[dynBlockSize:], h.BlockSize)
	copy(b[dynParentUUID:], h.ParentUUID[:])
	be.PutUint32(b[dynParentTimestamp:], uint32(h.ParentTimestamp))
	copy(b[dynParentName:], h.ParentNameRaw[:])
	for i, l := range h.Locators {
		e := b[dynParentLocators+i*locatorEntrySize:]
		be.PutUint32(e[locPlatformCode:], uint32(l.Platform))
		be.PutUint32(e[locDataSpace:], l.DataSpace)
		be.PutUint32(e[locDataLength:], l.DataLength)
		be.PutUint64(e[locDataOffset:], l.DataOffset)
	}
	h.Checksum = checksum(b, dynChecksum)
	be.PutUint32(b[dynChecksum:], h.Checksum)
	return b
}
