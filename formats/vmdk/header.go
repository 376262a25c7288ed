package vmdk

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// SectorSize is the unit of every offset and size in a sparse header and
// in descriptor extent lines.
const SectorSize = 512

// Offsets of the SparseExtentHeader fields (VMware "Virtual Disk Format
// 5.0", section "Hosted Sparse Extent Header"). All integers are
// little-endian; the structure is 512 bytes, the rest padding.
const (
	offMagic            = 0  // uint32, the bytes "KDMV"
	offVersion          = 4  // uint32, 1..3
	offFlags            = 8  // uint32, HeaderFlags
	offCapacity         = 12 // uint64, sectors
	offGrainSize        = 20 // uint64, sectors
	offDescriptorOffset = 28 // uint64, sectors
	offDescriptorSize   = 36 // uint64, sectors
	offNumGTEsPerGT     = 44 // uint32
	offRGDOffset        = 48 // uint64, sectors (redundant grain directory)
	offGDOffset         = 56 // uint64, sectors
	offOverHead         = 64 // uint64, sectors (first grain)
	offUncleanShutdown  = 72 // uint8
	offNewlineChecks    = 73 // 4 bytes '\n' ' ' '\r' '\n'
	offCompressAlgo     = 77 // uint16, Compression
	headerLen           = 79 // bytes that are not padding
)

// sparseMagic opens every hosted sparse extent; cowdMagic opens the older
// VMDK3 (ESX 2 "COWD") sparse extent.
const (
	sparseMagic = "KDMV"
	cowdMagic   = "COWD"
)

// newlineChecks are the bytes that reveal a file mangled by a text-mode
// transfer.
var newlineChecks = [4]byte{'\n', ' ', '\r', '\n'}

// gdAtEnd in gdOffset says the real header is the footer near the end of a
// streamOptimized file.
const gdAtEnd = ^uint64(0)

// HeaderFlags is the flags field of the sparse header.
type HeaderFlags uint32

// Header flag bits.
const (
	FlagNewlineDetect HeaderFlags = 1 << 0  // newline check bytes are valid
	FlagRedundantGD   HeaderFlags = 1 << 1  // rgdOffset holds a second grain directory
	FlagZeroedGrain   HeaderFlags = 1 << 2  // grain table entry 1 means "zeroed grain"
	FlagCompressed    HeaderFlags = 1 << 16 // grains are compressed
	FlagMarkers       HeaderFlags = 1 << 17 // the stream has markers
)

// flagNames names the bits of HeaderFlags in String.
var flagNames = []struct {
	bit  HeaderFlags
	name string
}{
	{FlagNewlineDetect, "newline-detect"},
	{FlagRedundantGD, "redundant-gd"},
	{FlagZeroedGrain, "zeroed-grain"},
	{FlagCompressed, "compressed"},
	{FlagMarkers, "markers"},
}

func (f HeaderFlags) String() string {
	var parts []string
	rest := f
	for _, n := range flagNames {
		if f&n.bit != 0 {
			parts = append(parts, n.name)
			rest &^= n.bit
		}
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint32(rest)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// MarshalText returns the String form.
func (f HeaderFlags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Compression is the compressAlgorithm field of the sparse header.
type Compression uint16

// Compression algorithms.
const (
	CompressionNone    Compression = 0
	CompressionDeflate Compression = 1
)

func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionDeflate:
		return "deflate"
	}
	return fmt.Sprintf("Compression(%d)", uint16(c))
}

// MarshalText returns the String form.
func (c Compression) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// SparseHeader is the decoded SparseExtentHeader. Offsets and sizes are in
// sectors, as on disk.
type SparseHeader struct {
	Version          uint32
	Flags            HeaderFlags
	Capacity         uint64
	GrainSize        uint64
	DescriptorOffset uint64
	DescriptorSize   uint64
	NumGTEsPerGT     uint32
	RGDOffset        uint64
	GDOffset         uint64
	OverHead         uint64
	UncleanShutdown  bool
	// NewlineChecks are the four check bytes as read; NewlineOK reports
	// whether they are the expected "\n \r\n".
	NewlineChecks [4]byte
	Compression   Compression
}

// NewlineOK reports whether the check bytes are intact.
func (h *SparseHeader) NewlineOK() bool { return h.NewlineChecks == newlineChecks }

// decodeHeader reads a header from b (at least headerLen bytes, starting
// with the magic). It checks nothing.
func decodeHeader(b []byte) SparseHeader {
	le := binary.LittleEndian
	h := SparseHeader{
		Version:          le.Uint32(b[offVersion:]),
		Flags:            HeaderFlags(le.Uint32(b[offFlags:])),
		Capacity:         le.Uint64(b[offCapacity:]),
		GrainSize:        le.Uint64(b[offGrainSize:]),
		DescriptorOffset: le.Uint64(b[offDescriptorOffset:]),
		DescriptorSize:   le.Uint64(b[offDescriptorSize:]),
		NumGTEsPerGT:     le.Uint32(b[offNumGTEsPerGT:]),
		RGDOffset:        le.Uint64(b[offRGDOffset:]),
		GDOffset:         le.Uint64(b[offGDOffset:]),
		OverHead:         le.Uint64(b[offOverHead:]),
		UncleanShutdown:  b[offUncleanShutdown] != 0,
		Compression:      Compression(le.Uint16(b[offCompressAlgo:])),
	}
	copy(h.NewlineChecks[:], b[offNewlineChecks:])
	return h
}

// encode returns the 512-byte sector holding the header.
func (h *SparseHeader) encode() []byte {
	b := make([]byte, SectorSize)
	le := binary.LittleEndian
	copy(b[offMagic:], sparseMagic)
	le.PutUint32(b[offVersion:], h.Version)
	le.PutUint32(b[offFlags:], uint32(h.Flags))
	le.PutUint64(b[offCapacity:], h.Capacity)
	le.PutUint64(b[offGrainSize:], h.GrainSize)
	le.PutUint64(b[offDescriptorOffset:], h.DescriptorOffset)
	le.PutUint64(b[offDescriptorSize:], h.DescriptorSize)
	le.PutUint32(b[offNumGTEsPerGT:], h.NumGTEsPerGT)
	le.PutUint64(b[offRGDOffset:], h.RGDOffset)
	le.PutUint64(b[offGDOffset:], h.GDOffset)
	le.PutUint64(b[offOverHead:], h.OverHead)
	if h.UncleanShutdown {
		b[offUncleanShutdown] = 1
	}
	copy(b[offNewlineChecks:], h.NewlineChecks[:])
	le.PutUint16(b[offCompressAlgo:], uint16(h.Compression))
	return b
}
