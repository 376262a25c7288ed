package qcow2

import (
	"fmt"
	"math/bits"
	"strings"
)

// Options are qemu-img 7.2's qcow2 creation options. The zero value of
// every field is qemu-img's default.
type Options struct {
	Size            int64 // virtual size in bytes; rounded up to 512 like qemu-img
	ClusterSize     int64 // cluster_size: power of two, MinClusterSize..MaxClusterSize; 0 = 64 KiB
	RefcountBits    int   // refcount_bits: power of two, 1..64; 0 = 16
	ExtendedL2      bool  // extended_l2: needs ClusterSize ≥ MinExtendedL2ClusterSize
	LazyRefcounts   bool  // lazy_refcounts: needs compat 1.1
	Compat          Compat
	CompressionType CompressionType // compression_type: zstd needs compat 1.1
	BackingFile     string          // backing_file: stored verbatim in cluster 0, never opened
	BackingFormat   string          // backing_fmt: stored in a header extension
	Preallocation   Preallocation

	// Refused by PlanImage with ErrUnsupportedOption; present so that a
	// caller passing them through gets a clear error instead of silence.
	DataFile    string // data_file
	DataFileRaw bool   // data_file_raw
	Encrypt     bool   // any encrypt.* option (or encryption=on)
}

// normalize validates o the way qemu's qcow2_co_create does and fills in
// the defaults. The messages follow qemu's, with a hint where it helps.
func (o Options) normalize() (Options, error) {
	bad := func(format string, args ...any) (Options, error) {
		return o, fmt.Errorf("%w: %s", ErrInvalidOption, fmt.Sprintf(format, args...))
	}
	if o.DataFile != "" || o.DataFileRaw {
		return o, fmt.Errorf("%w: data_file (external data files) is not supported by instar; create the image without it", ErrUnsupportedOption)
	}
	if o.Encrypt {
		return o, fmt.Errorf("%w: encryption (encrypt.*) is not supported by instar; create an unencrypted image", ErrUnsupportedOption)
	}
	if o.Size < 0 {
		return bad("size %d is negative", o.Size)
	}
	if o.ClusterSize == 0 {
		o.ClusterSize = DefaultClusterSize
	}
	if o.ClusterSize < MinClusterSize || o.ClusterSize > MaxClusterSize || o.ClusterSize&(o.ClusterSize-1) != 0 {
		return bad("cluster size must be a power of two between %d and %dk, not %d", MinClusterSize, MaxClusterSize>>10, o.ClusterSize)
	}
	if o.RefcountBits == 0 {
		o.RefcountBits = DefaultRefcountBits
	}
	if o.RefcountBits < MinRefcountBits || o.RefcountBits > MaxRefcountBits || o.RefcountBits&(o.RefcountBits-1) != 0 {
		return bad("refcount width must be a power of two and may not exceed %d bits, not %d", MaxRefcountBits, o.RefcountBits)
	}
	if o.Compat > Compat010 {
		return bad("unknown compat level %d", o.Compat)
	}
	if o.CompressionType > CompressionZstd {
		return bad("unknown compression type %d", o.CompressionType)
	}
	if o.Preallocation > PreallocFull {
		return bad("unknown preallocation mode %d", o.Preallocation)
	}
	if o.Compat == Compat010 {
		switch {
		case o.LazyRefcounts:
			return bad("lazy refcounts need compat=1.1")
		case o.RefcountBits != DefaultRefcountBits:
			return bad("refcount widths other than 16 bits need compat=1.1")
		case o.CompressionType != CompressionZlib:
			return bad("compression types other than zlib need compat=1.1")
		case o.ExtendedL2:
			return bad("extended L2 entries need compat=1.1")
		}
	}
	if o.ExtendedL2 && o.ClusterSize < MinExtendedL2ClusterSize {
		return bad("extended L2 entries need a cluster size of at least %d bytes, not %d", MinExtendedL2ClusterSize, o.ClusterSize)
	}
	if o.BackingFormat != "" && o.BackingFile == "" {
		return bad("a backing format needs a backing file")
	}
	if strings.IndexByte(o.BackingFile, 0) >= 0 || strings.IndexByte(o.BackingFormat, 0) >= 0 {
		return bad("backing file and format names cannot contain NUL bytes")
	}
	if len(o.BackingFile) > MaxBackingFileName {
		return bad("backing file name is %d bytes, longer than qemu's limit of %d", len(o.BackingFile), MaxBackingFileName)
	}
	if o.BackingFile != "" && o.Preallocation != PreallocOff && !o.ExtendedL2 {
		return bad("a backing file and preallocation can only be combined with extended_l2=on")
	}
	o.Size = (o.Size + 511) &^ 511
	if o.Size < 0 || o.Size > MaxVirtualSize(o.ClusterSize, o.ExtendedL2) {
		return o, fmt.Errorf("%w: %d bytes exceed the qcow2 limit of %d for cluster size %d (try a larger cluster size)",
			ErrTooLarge, o.Size, MaxVirtualSize(o.ClusterSize, o.ExtendedL2), o.ClusterSize)
	}
	return o, nil
}

// clusterBits returns log2 of the (validated) cluster size.
func (o Options) clusterBits() uint32 { return uint32(bits.TrailingZeros64(uint64(o.ClusterSize))) }

// refcountOrder returns log2 of the (validated) refcount width.
func (o Options) refcountOrder() uint32 { return uint32(bits.TrailingZeros(uint(o.RefcountBits))) }

// l2EntrySize is 16 bytes with extended L2 entries (an offset and a
// subcluster bitmap), 8 otherwise.
func l2EntrySize(extendedL2 bool) int64 {
	if extendedL2 {
		return 16
	}
	return 8
}

// MaxVirtualSize is the qcow2 row of the ceiling table: the largest virtual
// size qemu-img 7.2 creates for the cluster size and extended_l2 setting.
// The limit is the L1 table's cap (MaxL1Bytes, 4 Mi entries), each entry
// mapping one L2 table of clusterSize/entry-size clusters. It returns 0 for
// an invalid cluster size.
func MaxVirtualSize(clusterSize int64, extendedL2 bool) int64 {
	if clusterSize < MinClusterSize || clusterSize > MaxClusterSize || clusterSize&(clusterSize-1) != 0 {
		return 0
	}
	return MaxL1Bytes / 8 * (clusterSize / l2EntrySize(extendedL2)) * clusterSize // ≤ 2^61
}
