package qcow2

import "encoding/binary"

// Magic is the first four bytes of every qcow2 file: "QFI\xfb".
const Magic = 0x514649fb

// FormatName is qemu's name for the format.
const FormatName = "qcow2"

// Byte offsets of the header fields (docs/interop/qcow2.txt, "Header").
// Version 2 headers end at offV2End; version 3 adds the fields up to
// offV3End and may be longer (header_length).
const (
	offMagic             = 0
	offVersion           = 4
	offBackingOffset     = 8
	offBackingSize       = 16
	offClusterBits       = 20
	offSize              = 24
	offCryptMethod       = 32
	offL1Size            = 36
	offL1Offset          = 40
	offRefcountOffset    = 48
	offRefcountClusters  = 56
	offNbSnapshots       = 60
	offSnapshotsOffset   = 64
	offV2End             = 72
	offIncompatible      = 72
	offCompatible        = 80
	offAutoclear         = 88
	offRefcountOrder     = 96
	offHeaderLength      = 100
	offV3End             = 104
	offCompressionType   = 104
	headerLengthWithComp = 112 // what qemu 7.2 writes: the compression byte padded to 8
)

// Limits qemu-img 7.2 enforces (block/qcow2.h), used both to validate
// options and to bound what Parse reads.
const (
	MinClusterBits      = 9
	MaxClusterBits      = 21
	MinClusterSize      = 1 << MinClusterBits // 512 bytes
	MaxClusterSize      = 1 << MaxClusterBits // 2 MiB
	DefaultClusterSize  = 1 << 16             // 64 KiB
	MinRefcountBits     = 1
	MaxRefcountBits     = 64
	DefaultRefcountBits = 16
	// MinExtendedL2ClusterSize is the smallest cluster size extended_l2
	// accepts (32 subclusters of at least 512 bytes).
	MinExtendedL2ClusterSize = 16 << 10
	// MaxL1Bytes caps the active L1 table (QCOW_MAX_L1_SIZE).
	MaxL1Bytes = 32 << 20
	// MaxRefcountTableBytes caps the refcount table (QCOW_MAX_REFTABLE_SIZE).
	MaxRefcountTableBytes = 8 << 20
	// MaxBackingFileName is the longest backing file name qemu reads.
	MaxBackingFileName = 1023
	// MaxSnapshots caps nb_snapshots (QCOW_MAX_SNAPSHOTS).
	MaxSnapshots = 65536
)

// Header is the fixed part of a qcow2 header. Version 2 images leave the
// version 3 fields at their implied values (no features, refcount order 4,
// header length 72, zlib).
type Header struct {
	Version               uint32
	BackingFileOffset     uint64
	BackingFileSize       uint32
	ClusterBits           uint32
	Size                  uint64 // virtual size in bytes
	CryptMethod           CryptMethod
	L1Size                uint32 // entries
	L1TableOffset         uint64
	RefcountTableOffset   uint64
	RefcountTableClusters uint32
	NbSnapshots           uint32
	SnapshotsOffset       uint64
	Incompatible          IncompatibleFeatures
	Compatible            CompatibleFeatures
	Autoclear             AutoclearFeatures
	RefcountOrder         uint32 // refcount width is 1 << RefcountOrder bits
	HeaderLength          uint32
	CompressionType       CompressionType
}

// ClusterSize returns the cluster size in bytes (ClusterBits must be valid).
func (h *Header) ClusterSize() int64 { return 1 << h.ClusterBits }

// decodeHeader decodes the fixed fields from b, which holds at least
// offV2End bytes, or the whole header for version 3. It does not validate.
func decodeHeader(b []byte) Header {
	be := binary.BigEndian
	h := Header{
		Version:               be.Uint32(b[offVersion:]),
		BackingFileOffset:     be.Uint64(b[offBackingOffset:]),
		BackingFileSize:       be.Uint32(b[offBackingSize:]),
		ClusterBits:           be.Uint32(b[offClusterBits:]),
		Size:                  be.Uint64(b[offSize:]),
		CryptMethod:           CryptMethod(be.Uint32(b[offCryptMethod:])),
		L1Size:                be.Uint32(b[offL1Size:]),
		L1TableOffset:         be.Uint64(b[offL1Offset:]),
		RefcountTableOffset:   be.Uint64(b[offRefcountOffset:]),
		RefcountTableClusters: be.Uint32(b[offRefcountClusters:]),
		NbSnapshots:           be.Uint32(b[offNbSnapshots:]),
		SnapshotsOffset:       be.Uint64(b[offSnapshotsOffset:]),
		RefcountOrder:         4,
		HeaderLength:          offV2End,
	}
	if h.Version >= 3 && len(b) >= offV3End {
		h.Incompatible = IncompatibleFeatures(be.Uint64(b[offIncompatible:]))
		h.Compatible = CompatibleFeatures(be.Uint64(b[offCompatible:]))
		h.Autoclear = AutoclearFeatures(be.Uint64(b[offAutoclear:]))
		h.RefcountOrder = be.Uint32(b[offRefcountOrder:])
		h.HeaderLength = be.Uint32(b[offHeaderLength:])
		if h.HeaderLength > offCompressionType && len(b) > offCompressionType {
			h.CompressionType = CompressionType(b[offCompressionType])
		}
	}
	return h
}

// encode writes the header into b (at least HeaderLength bytes).
func (h *Header) encode(b []byte) {
	be := binary.BigEndian
	be.PutUint32(b[offMagic:], Magic)
	be.PutUint32(b[offVersion:], h.Version)
	be.PutUint64(b[offBackingOffset:], h.BackingFileOffset)
	be.PutUint32(b[offBackingSize:], h.BackingFileSize)
	be.PutUint32(b[offClusterBits:], h.ClusterBits)
	be.PutUint64(b[offSize:], h.Size)
	be.PutUint32(b[offCryptMethod:], uint32(h.CryptMethod))
	be.PutUint32(b[offL1Size:], h.L1Size)
	be.PutUint64(b[offL1Offset:], h.L1TableOffset)
	be.PutUint64(b[offRefcountOffset:], h.RefcountTableOffset)
	be.PutUint32(b[offRefcountClusters:], h.RefcountTableClusters)
	be.PutUint32(b[offNbSnapshots:], h.NbSnapshots)
	be.PutUint64(b[offSnapshotsOffset:], h.SnapshotsOffset)
	if h.Version < 3 {
		return
	}
	be.PutUint64(b[offIncompatible:], uint64(h.Incompatible))
	be.PutUint64(b[offCompatible:], uint64(h.Compatible))
	be.PutUint64(b[offAutoclear:], uint64(h.Autoclear))
	be.PutUint32(b[offRefcountOrder:], h.RefcountOrder)
	be.PutUint32(b[offHeaderLength:], h.HeaderLength)
	if h.HeaderLength > offCompressionType {
		b[offCompressionType] = byte(h.CompressionType)
	}
}

// Detect reports whether head, the first bytes of a file, is a qcow2 image.
// Like qemu's probe it accepts the magic with any version from 2 on; Parse
// then refuses versions it cannot read, with a clear error, rather than
// letting the file pass as raw.
func Detect(head []byte) bool {
	return len(head) >= offVersion+4 &&
		binary.BigEndian.Uint32(head[offMagic:]) == Magic &&
		binary.BigEndian.Uint32(head[offVersion:]) >= 2
}
