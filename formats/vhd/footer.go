package vhd

import (
	"bytes"
	"encoding/binary"
)

// Hard disk footer layout (VHD spec, "Hard Disk Footer Format" table).
// All fields are big-endian.
const (
	FooterSize = 512

	footCookie         = 0  // 8 bytes, "conectix"
	footFeatures       = 8  // uint32
	footVersion        = 12 // uint32, 0x00010000
	footDataOffset     = 16 // uint64, dynamic header offset; all ones if none
	footTimestamp      = 24 // uint32, seconds since 2000-01-01 UTC
	footCreatorApp     = 28 // 4 bytes
	footCreatorVersion = 32 // uint32
	footCreatorOS      = 36 // 4 bytes
	footOriginalSize   = 40 // uint64
	footCurrentSize    = 48 // uint64
	footCylinders      = 56 // uint16
	footHeads          = 58 // uint8
	footSectors        = 59 // uint8
	footDiskType       = 60 // uint32
	footChecksum       = 64 // uint32
	footUUID           = 68 // 16 bytes
	footSavedState     = 84 // uint8
)

// footerCookie starts every footer.
var footerCookie = []byte("conectix")

const (
	featureReserved = 0x2        // the spec says this bit is always set
	formatVersion   = 0x00010000 // file format version 1.0
	noDataOffset    = ^uint64(0) // data offset of a fixed disk
)

// Footer is the decoded hard disk footer.
type Footer struct {
	Features       uint32
	Version        uint32
	DataOffset     uint64 // offset of the dynamic header; all ones for fixed disks
	Timestamp      Timestamp
	CreatorApp     [4]byte
	CreatorVersion uint32
	CreatorOS      [4]byte
	OriginalSize   uint64
	CurrentSize    uint64
	Geometry       Geometry
	DiskType       DiskType
	Checksum       uint32
	UUID           UUID
	SavedState     bool
}

// checksum is the spec's one's complement of the byte sum, computed with
// the checksum field (at skip, 4 bytes) counted as zero.
func checksum(b []byte, skip int) uint32 {
	var sum uint32
	for i, c := range b {
		if i >= skip && i < skip+4 {
			continue
		}
		sum += uint32(c)
	}
	return ^sum
}

// decodeFooter decodes and verifies a footer read at file offset off.
func decodeFooter(b []byte, off int64) (Footer, error) {
	if len(b) < FooterSize || !bytes.Equal(b[footCookie:footCookie+8], footerCookie) {
		return Footer{}, formatErr(ErrNotVHD, off+footCookie, "footer cookie",
			"no \"conectix\" cookie: not a VHD (a dynamic disk starts with one, a fixed disk ends with one)")
	}
	b = b[:FooterSize]
	be := binary.BigEndian
	f := Footer{
		Features:       be.Uint32(b[footFeatures:]),
		Version:        be.Uint32(b[footVersion:]),
		DataOffset:     be.Uint64(b[footDataOffset:]),
		Timestamp:      Timestamp(be.Uint32(b[footTimestamp:])),
		CreatorVersion: be.Uint32(b[footCreatorVersion:]),
		OriginalSize:   be.Uint64(b[footOriginalSize:]),
		CurrentSize:    be.Uint64(b[footCurrentSize:]),
		Geometry: Geometry{
			Cylinders:       be.Uint16(b[footCylinders:]),
			Heads:           b[footHeads],
			SectorsPerTrack: b[footSectors],
		},
		DiskType:   DiskType(be.Uint32(b[footDiskType:])),
		Checksum:   be.Uint32(b[footChecksum:]),
		SavedState: b[footSavedState] != 0,
	}
	copy(f.CreatorApp[:], b[footCreatorApp:])
	copy(f.CreatorOS[:], b[footCreatorOS:])
	copy(f.UUID[:], b[footUUID:])
	if sum := checksum(b, footChecksum); sum != f.Checksum {
		return Footer{}, formatErr(ErrChecksum, off+footChecksum, "footer checksum",
			"stored %#08x, computed %#08x (the footer is damaged)", f.Checksum, sum)
	}
	switch f.DiskType {
	case DiskTypeFixed, DiskTypeDynamic, DiskTypeDifferencing:
	default:
		return Footer{}, formatErr(ErrUnsupported, off+footDiskType, "footer disk type",
			"%d is not fixed (2), dynamic (3) or differencing (4)", uint32(f.DiskType))
	}
	return f, nil
}

// encode returns the footer's 512 bytes with the checksum computed.
func (f *Footer) encode() []byte {
	b := make([]byte, FooterSize)
	be := binary.BigEndian
	copy(b[footCookie:], footerCookie)
	be.PutUint32(b[footFeatures:], f.Features)
	be.PutUint32(b[footVersion:], f.Version)
	be.PutUint64(b[footDataOffset:], f.DataOffset)
	be.PutUint32(b[footTimestamp:], uint32(f.Timestamp))
	copy(b[footCreatorApp:], f.CreatorApp[:])
	be.PutUint32(b[footCreatorVersion:], f.CreatorVersion)
	copy(b[footCreatorOS:], f.CreatorOS[:])
	be.PutUint64(b[footOriginalSize:], f.OriginalSize)
	be.PutUint64(b[footCurrentSize:], f.CurrentSize)
	be.PutUint16(b[footCylinders:], f.Geometry.Cylinders)
	b[footHeads] = f.Geometry.Heads
	b[footSectors] = f.Geometry.SectorsPerTrack
	be.PutUint32(b[footDiskType:], uint32(f.DiskType))
	copy(b[footUUID:], f.UUID[:])
	if f.SavedState {
		b[footSavedState] = 1
	}
	f.Checksum = checksum(b, footChecksum)
	be.PutUint32(b[footChecksum:], f.Checksum)
	return b
}
