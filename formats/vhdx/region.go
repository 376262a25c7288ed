package vhdx

import "encoding/binary"

// Region is one entry of the region table (MS-VHDX 2.2.3.2): a range of
// the file holding the BAT, the metadata, or a region this package does
// not know.
type Region struct {
	// GUID identifies the region; see BATRegion and MetadataRegion.
	GUID GUID
	// FileOffset is the byte offset of the region (a multiple of 1 MiB).
	FileOffset uint64
	// Length is the region's length in bytes (a multiple of 1 MiB).
	Length uint32
	// Required means a reader that does not know GUID must refuse the file.
	Required bool
}

// IsBAT reports whether r is the Block Allocation Table region.
func (r Region) IsBAT() bool { return r.GUID == batRegionGUID }

// IsMetadata reports whether r is the metadata region.
func (r Region) IsMetadata() bool { return r.GUID == metadataRegionGUID }

// end is the first byte after the region; FileOffset is bounded before
// this is called, so it cannot overflow.
func (r Region) end() uint64 { return r.FileOffset + uint64(r.Length) }

func decodeRegion(b []byte) Region {
	r := Region{
		FileOffset: binary.LittleEndian.Uint64(b[rteFileOffsetOff:]),
		Length:     binary.LittleEndian.Uint32(b[rteLengthOff:]),
		Required:   binary.LittleEndian.Uint32(b[rteRequiredOff:])&rteRequiredBit != 0,
	}
	copy(r.GUID[:], b[rteGUIDOff:])
	return r
}

// encodeRegionTable returns the used prefix of a 64 KiB region table block
// holding regions, checksum included (the checksum covers all 64 KiB).
func encodeRegionTable(regions []Region) []byte {
	b := make([]byte, regionTableSize)
	copy(b[rtSignatureOff:], regionSignature)
	binary.LittleEndian.PutUint32(b[rtEntryCountOff:], uint32(len(regions)))
	for i, r := range regions {
		e := b[rtHeaderSize+i*rtEntrySize:]
		copy(e[rteGUIDOff:], r.GUID[:])
		binary.LittleEndian.PutUint64(e[rteFileOffsetOff:], r.FileOffset)
		binary.LittleEndian.PutUint32(e[rteLengthOff:], r.Length)
		if r.Required {
			binary.LittleEndian.PutUint32(e[rteRequiredOff:], rteRequiredBit)
		}
	}
	binary.LittleEndian.PutUint32(b[rtChecksumOff:], checksum(b, rtChecksumOff))
	return b[:rtHeaderSize+len(regions)*rtEntrySize]
}
