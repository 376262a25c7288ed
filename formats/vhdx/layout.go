package vhdx

import (
	"hash/crc32"
	"unicode/utf16"
)

// Sizes used throughout the format.
const (
	kib = 1 << 10
	mib = 1 << 20
)

// The header section: the first 1 MiB of every VHDX file, five 64 KiB
// structures at fixed offsets (MS-VHDX 2.1 "Layout").
const (
	fileIDOffset       = 0
	header1Offset      = 64 * kib
	header2Offset      = 128 * kib
	regionTable1Offset = 192 * kib
	regionTable2Offset = 256 * kib
	headerSectionSize  = 1 * mib
)

// File type identifier (MS-VHDX 2.2.1): an 8-byte signature followed by an
// optional UTF-16LE creator string of at most 256 code units.
const (
	fileSignature    = "vhdxfile"
	fileIDCreatorOff = 8
	maxCreatorUnits  = 256
)

// Header (MS-VHDX 2.2.2). The checksum covers the whole 4 KiB.
const (
	headerSize          = 4 * kib
	headerSignature     = "head"
	hdrSignatureOff     = 0
	hdrChecksumOff      = 4
	hdrSequenceOff      = 8
	hdrFileWriteGUIDOff = 16
	hdrDataWriteGUIDOff = 32
	hdrLogGUIDOff       = 48
	hdrLogVersionOff    = 64
	hdrVersionOff       = 66
	hdrLogLengthOff     = 68
	hdrLogOffsetOff     = 72
	hdrUsedBytes        = 80

	headerVersion = 1 // the only version MS-VHDX defines
	logVersion    = 0
)

// Region table (MS-VHDX 2.2.3): a 16-byte header and 32-byte entries in a
// 64 KiB block covered by one checksum.
const (
	regionTableSize     = 64 * kib
	regionSignature     = "regi"
	rtSignatureOff      = 0
	rtChecksumOff       = 4
	rtEntryCountOff     = 8
	rtHeaderSize        = 16
	rtEntrySize         = 32
	rteGUIDOff          = 0
	rteFileOffsetOff    = 16
	rteLengthOff        = 24
	rteRequiredOff      = 28
	rteRequiredBit      = 1
	maxRegionEntries    = 2047 // MS-VHDX 2.2.3.1: "MUST be less than or equal to 2,047"
	regionAlignment     = 1 * mib
	minRegionFileOffset = headerSectionSize
)

// Metadata table (MS-VHDX 2.6.1): a 32-byte header and 32-byte entries in
// the first 64 KiB of the metadata region. Items live after it.
const (
	metadataTableSize     = 64 * kib
	metadataSignature     = "metadata"
	mtSignatureOff        = 0
	mtEntryCountOff       = 10
	mtHeaderSize          = 32
	mtEntrySize           = 32
	mteItemIDOff          = 0
	mteOffsetOff          = 16
	mteLengthOff          = 20
	mteFlagsOff           = 24
	maxMetadataEntries    = 2047 // MS-VHDX 2.6.1.1
	maxMetadataItemLength = 1 * mib
	minMetadataItemOffset = metadataTableSize
)

// Metadata entry flags (MS-VHDX 2.6.1.2).
const (
	metaIsUser        = 1 << 0
	metaIsVirtualDisk = 1 << 1
	metaIsRequired    = 1 << 2
)

// Metadata item sizes (MS-VHDX 2.6.2.1 to 2.6.2.5).
const (
	fileParamsSize  = 8 // BlockSize u32, flags u32
	virtualSizeSize = 8
	page83Size      = 16
	sectorSizeSize  = 4

	fpBlockSizeOff = 0
	fpFlagsOff     = 4

	fpLeaveBlocksAllocated = 1 << 0
	fpHasParent            = 1 << 1
)

// Parent locator (MS-VHDX 2.6.2.6): a 20-byte header then 12-byte entries
// giving offset and length of each UTF-16LE key and value.
const (
	plTypeOff        = 0
	plKeyValueCntOff = 18
	plHeaderSize     = 20
	plEntrySize      = 12
	pleKeyOffsetOff  = 0
	pleValOffsetOff  = 4
	pleKeyLengthOff  = 8
	pleValLengthOff  = 10
)

// Log entry header fields used to recognise a log entry (MS-VHDX 2.3.1.1).
const (
	logEntrySignature = "loge"
	logEntrySigOff    = 0
	logEntryLengthOff = 8
	logEntryGUIDOff   = 32
	logEntryHdrUsed   = 48
	logSectorSize     = 4 * kib // entries start on 4 KiB boundaries
	logScanChunk      = 1 * mib // the log is scanned this much at a time
	// logScanLimit bounds the time spent on a hostile log. Real logs are
	// 1 MiB (qemu's and Hyper-V's default); a longer one is scanned this
	// far and, if no entry turns up, assumed to need replay.
	logScanLimit = 32 * mib
)

// Block size, sector size and virtual size limits (MS-VHDX 2.6.2.1-2.6.2.5).
const (
	specMinBlockSize      = 1 * mib
	specMaxBlockSize      = 256 * mib
	specMaxVirtualSize    = 64 << 40
	maxSectorsPerBlockLog = 23 // chunk ratio = 2^23 * logical sector size / block size
)

// Region and metadata item identifiers (MS-VHDX 2.2.3.2 and 2.6.2).
var (
	batRegionGUID      = mustGUID("2dc27766-f623-4200-9d64-115e9bfd4a08")
	metadataRegionGUID = mustGUID("8b7ca206-4790-4b9a-b8fe-575f050f886e")

	fileParamsGUID    = mustGUID("caa16737-fa36-4d43-b3b6-33f0aa44e76b")
	virtualSizeGUID   = mustGUID("2fa54224-cd1b-4876-b211-5dbed83bf4b8")
	page83GUID        = mustGUID("beca12ab-b2e6-4523-93ef-c309e000c746")
	logicalSectorGUID = mustGUID("8141bf1d-a96f-4709-ba47-f233a8faab5f")
	physSectorGUID    = mustGUID("cda348c7-445d-4471-9cc9-e9885251c556")
	parentLocatorGUID = mustGUID("a8d35f2d-b30b-454d-abf7-d3d84834ab0c")

	// vhdxLocatorType is the parent locator type of a VHDX parent
	// (MS-VHDX 2.6.2.6.3), the only type the specification defines.
	vhdxLocatorType = mustGUID("b04aefb7-d19e-4a81-b789-25b8e9445913")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum returns the CRC-32C of b computed with the 4-byte checksum field
// at off taken as zero, as MS-VHDX 2.2.2 prescribes. b is not modified.
func checksum(b []byte, off int) uint32 {
	var zero [4]byte
	c := crc32.Update(0, castagnoli, b[:off])
	c = crc32.Update(c, castagnoli, zero[:])
	return crc32.Update(c, castagnoli, b[off+4:])
}

// utf16LE encodes s as UTF-16 little-endian bytes.
func utf16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i] = byte(c)
		b[2*i+1] = byte(c >> 8)
	}
	return b
}
