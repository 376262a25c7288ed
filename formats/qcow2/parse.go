package qcow2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Image is a parsed qcow2 file: its header, extensions and backing file
// name. It holds no reference to the reader.
type Image struct {
	Header        Header
	Extensions    []Extension   // every extension found, known or not, in file order
	FeatureNames  []FeatureName // the feature name table, when the image has one
	BackingFile   string        // the name as stored; never opened
	BackingFormat string        // from the backing format extension
	DataFile      string        // from the external data file extension; never opened
}

// Parse decodes the header of the qcow2 image that r holds; size is the
// file's length. Every offset and length is checked against the file size
// and qemu's caps before use, and errors are *FormatError naming the offset.
//
// An image whose incompatible feature bits include ones qemu-img 7.2 does not
// know is still returned, together with an error wrapping
// ErrUnsupportedFeature: the fields are readable, but nothing should trust
// the image's contents.
func Parse(r io.ReaderAt, size int64) (*Image, error) {
	var fixed [headerLengthWithComp]byte
	if size < offVersion+4 {
		return nil, formatErr(0, "magic", ErrTruncated, "file is %d bytes, shorter than a qcow2 magic and version", size)
	}
	n := int64(len(fixed))
	if size < n {
		n = size
	}
	if err := readAt(r, fixed[:n], 0, "header"); err != nil {
		return nil, err
	}
	if !Detect(fixed[:n]) {
		return nil, formatErr(offMagic, "magic", ErrNotQcow2, "bytes %x are not QFI\\xfb followed by a version ≥ 2", fixed[:8])
	}
	version := binary.BigEndian.Uint32(fixed[offVersion:])
	if version > 3 {
		return nil, formatErr(offVersion, "version", ErrUnsupportedFeature, "version %d; only versions 2 and 3 exist in qemu-img 7.2", version)
	}
	minLen := int64(offV2End)
	if version == 3 {
		minLen = offV3End
	}
	if size < minLen {
		return nil, formatErr(0, "header", ErrTruncated, "file is %d bytes, shorter than the %d-byte version %d header", size, minLen, version)
	}
	h := decodeHeader(fixed[:n])
	if err := checkHeader(&h, size); err != nil {
		return nil, err
	}
	img := &Image{Header: h}
	if err := img.readExtensionsAndBacking(r, size); err != nil {
		return nil, err
	}
	if err := img.checkFeatures(); err != nil {
		if errors.Is(err, ErrUnsupportedFeature) {
			return img, err
		}
		return nil, err
	}
	return img, nil
}

// readAt reads len(p) bytes at off, turning a short read into ErrTruncated.
func readAt(r io.ReaderAt, p []byte, off int64, field string) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return formatErr(off, field, ErrTruncated, "read %d of %d bytes", n, len(p))
	}
	return fmt.Errorf("qcow2: reading %s at offset %d: %w", field, off, err)
}

// checkHeader validates the fixed header fields the way qemu's qcow2_open
// does, with the same caps.
func checkHeader(h *Header, size int64) error {
	if h.ClusterBits < MinClusterBits || h.ClusterBits > MaxClusterBits {
		return formatErr(offClusterBits, "cluster_bits", ErrMalformed, "%d is outside %d..%d", h.ClusterBits, MinClusterBits, MaxClusterBits)
	}
	cs := uint64(h.ClusterSize())
	if h.Version == 3 {
		if h.HeaderLength < offV3End {
			return formatErr(offHeaderLength, "header_length", ErrMalformed, "%d is shorter than the %d-byte version 3 header", h.HeaderLength, offV3End)
		}
		if uint64(h.HeaderLength) > cs {
			return formatErr(offHeaderLength, "header_length", ErrMalformed, "%d exceeds the cluster size %d", h.HeaderLength, cs)
		}
		if int64(h.HeaderLength) > size {
			return formatErr(offHeaderLength, "header_length", ErrTruncated, "%d exceeds the file size %d", h.HeaderLength, size)
		}
		if h.RefcountOrder > 6 {
			return formatErr(offRefcountOrder, "refcount_order", ErrMalformed, "%d gives refcounts wider than 64 bits", h.RefcountOrder)
		}
	}
	if h.Size > math.MaxInt64 {
		return formatErr(offSize, "size", ErrMalformed, "virtual size %d exceeds 2^63-1", h.Size)
	}
	if h.CryptMethod > CryptLUKS {
		return formatErr(offCryptMethod, "crypt_method", ErrMalformed, "unknown encryption method %d", uint32(h.CryptMethod))
	}
	if uint64(h.L1Size) > MaxL1Bytes/8 {
		return formatErr(offL1Size, "l1_size", ErrMalformed, "%d entries exceed qemu's %d-byte L1 limit", h.L1Size, MaxL1Bytes)
	}
	entry := uint64(8)
	if h.Incompatible&IncompatExtendedL2 != 0 {
		entry = 16
	}
	perL2 := cs * (cs / entry) // guest bytes one L2 table maps; ≤ 2^39, no overflow
	need := h.Size / perL2
	if h.Size%perL2 != 0 {
		need++
	}
	if uint64(h.L1Size) < need {
		return formatErr(offL1Size, "l1_size", ErrMalformed, "%d entries cannot map the virtual size %d (need %d)", h.L1Size, h.Size, need)
	}
	if err := checkTable(h.L1TableOffset, uint64(h.L1Size)*8, cs, offL1Offset, "l1_table_offset"); err != nil {
		return err
	}
	if uint64(h.RefcountTableClusters) > MaxRefcountTableBytes/cs {
		return formatErr(offRefcountClusters, "refcount_table_clusters", ErrMalformed, "%d clusters exceed qemu's %d-byte refcount table limit", h.RefcountTableClusters, MaxRefcountTableBytes)
	}
	if err := checkTable(h.RefcountTableOffset, uint64(h.RefcountTableClusters)*cs, cs, offRefcountOffset, "refcount_table_offset"); err != nil {
		return err
	}
	if h.NbSnapshots > MaxSnapshots {
		return formatErr(offNbSnapshots, "nb_snapshots", ErrMalformed, "%d snapshots exceed qemu's limit of %d", h.NbSnapshots, MaxSnapshots)
	}
	if h.NbSnapshots > 0 {
		if err := checkTable(h.SnapshotsOffset, 0, cs, offSnapshotsOffset, "snapshots_offset"); err != nil {
			return err
		}
	}
	return nil
}

// checkTable checks that a table offset is cluster aligned and that the
// table's end is representable as a file offset.
func checkTable(off, length, cs uint64, field int64, name string) error {
	if off%cs != 0 {
		return formatErr(field, name, ErrMalformed, "%#x is not aligned to the cluster size %d", off, cs)
	}
	if off > math.MaxInt64 || length > math.MaxInt64-off {
		return formatErr(field, name, ErrMalformed, "table at %#x of %d bytes ends beyond the largest file offset", off, length)
	}
	return nil
}

// readExtensionsAndBacking reads the extension area (from the end of the
// header to the backing file name, or to the end of cluster 0) and the
// backing file name.
func (img *Image) readExtensionsAndBacking(r io.ReaderAt, size int64) error {
	h := &img.Header
	cs := uint64(h.ClusterSize())
	end := cs
	if h.BackingFileOffset != 0 {
		if h.BackingFileOffset > cs {
			return formatErr(offBackingOffset, "backing_file_offset", ErrMalformed, "%#x lies beyond cluster 0 (cluster size %d)", h.BackingFileOffset, cs)
		}
		if h.BackingFileOffset < uint64(h.HeaderLength) {
			return formatErr(offBackingOffset, "backing_file_offset", ErrMalformed, "%#x overlaps the %d-byte header", h.BackingFileOffset, h.HeaderLength)
		}
		if h.BackingFileSize > MaxBackingFileName {
			return formatErr(offBackingSize, "backing_file_size", ErrMalformed, "%d bytes exceed qemu's limit of %d", h.BackingFileSize, MaxBackingFileName)
		}
		// Both terms are bounded (≤ 2 MiB, ≤ 1023): no overflow.
		if h.BackingFileOffset+uint64(h.BackingFileSize) > uint64(size) {
			return formatErr(offBackingOffset, "backing_file_offset", ErrTruncated, "backing file name at %#x (%d bytes) ends beyond the file size %d", h.BackingFileOffset, h.BackingFileSize, size)
		}
		end = h.BackingFileOffset
	}
	if end > uint64(size) {
		end = uint64(size) // qemu reads past EOF as zeros; the implied end marker is the same
	}
	start := uint64(h.HeaderLength)
	if end > start {
		area := make([]byte, end-start) // ≤ cluster size ≤ 2 MiB
		if err := readAt(r, area, int64(start), "header extensions"); err != nil {
			return err
		}
		ex, err := parseExtensions(area, int64(start))
		if err != nil {
			return err
		}
		img.Extensions, img.FeatureNames = ex.list, ex.featureNames
		img.BackingFormat, img.DataFile = ex.backingFormat, ex.dataFile
	}
	if h.BackingFileOffset != 0 && h.BackingFileSize > 0 {
		name := make([]byte, h.BackingFileSize)
		if err := readAt(r, name, int64(h.BackingFileOffset), "backing file name"); err != nil {
			return err
		}
		img.BackingFile = string(name)
	}
	return nil
}

// checkFeatures applies the rules qemu-img 7.2 enforces on feature bits.
func (img *Image) checkFeatures() error {
	h := &img.Header
	if u := h.Incompatible.Unknown(); u != 0 {
		return formatErr(offIncompatible, "incompatible_features", ErrUnsupportedFeature, "unknown incompatible features %#x (%s); qemu-img refuses such images", uint64(u), img.featureNames(u))
	}
	if h.Incompatible&IncompatCompression != 0 {
		if h.HeaderLength <= offCompressionType {
			return formatErr(offHeaderLength, "header_length", ErrMalformed, "%d leaves no room for the compression_type the incompatible features announce", h.HeaderLength)
		}
		if h.CompressionType == CompressionZlib || h.CompressionType > CompressionZstd {
			return formatErr(offCompressionType, "compression_type", ErrMalformed, "%d with the compression type feature bit set: expected zstd (1)", uint8(h.CompressionType))
		}
	} else if h.CompressionType != CompressionZlib {
		return formatErr(offCompressionType, "compression_type", ErrMalformed, "%d without the compression type feature bit", uint8(h.CompressionType))
	}
	if h.Incompatible&IncompatExtendedL2 != 0 && h.ClusterSize() < MinExtendedL2ClusterSize {
		return formatErr(offClusterBits, "cluster_bits", ErrMalformed, "extended L2 entries need clusters of at least %d bytes, have %d", MinExtendedL2ClusterSize, h.ClusterSize())
	}
	return nil
}

// featureNames names unknown incompatible bits from the image's own feature
// name table, which is how qemu reports them.
func (img *Image) featureNames(bits IncompatibleFeatures) string {
	var s string
	for bit := range 64 {
		if bits&(1<<bit) == 0 {
			continue
		}
		name := fmt.Sprintf("bit %d", bit)
		for _, f := range img.FeatureNames {
			if f.Type == FeatureIncompatible && int(f.Bit) == bit {
				name = fmt.Sprintf("bit %d %q", bit, f.Name)
			}
		}
		if s != "" {
			s += ", "
		}
		s += name
	}
	return s
}
