package vmdk

import (
	"fmt"
	"io"
	"math"
)

// Limits of the sparse header that Parse enforces, qemu-img 7.2's own.
const (
	// MaxGrainSize is the largest grain qemu opens, in sectors (1 GiB).
	MaxGrainSize = 0x200000
	// MaxGTEsPerGT is the largest grain table qemu opens, in entries.
	MaxGTEsPerGT = 512
	// MaxGDEntries is the largest grain directory qemu opens, in entries.
	MaxGDEntries = 32 << 20
)

// Image is a parsed VMDK: the sparse header (nil for a descriptor file),
// the descriptor, and what qemu-img derives from them.
type Image struct {
	// Header is the sparse extent header in effect (for a streamOptimized
	// file whose header defers to its footer, the footer's copy); nil for
	// a descriptor file.
	Header *SparseHeader
	// FooterHeader reports that Header was read from the footer.
	FooterHeader bool
	// Descriptor is the embedded or stand-alone descriptor.
	Descriptor *Descriptor
	// DescriptorOffset is the descriptor's byte offset in the file.
	DescriptorOffset int64
	// Warnings are things a careful consumer should know that do not stop
	// qemu-img from opening the image: extent names that are absolute or
	// climb directories, data held in other files, extent lines qemu
	// ignores, mangled newline check bytes, a grain directory beyond the
	// end of the file.
	Warnings []string

	info Info
}

// Parse reads a VMDK from r, size bytes long. It reads at most about
// 1 MiB whatever the image claims, never reads grain tables or data, and
// never opens a file: extent and parent names are returned as data.
func Parse(r io.ReaderAt, size int64) (*Image, error) {
	if size < int64(len(sparseMagic)) {
		return nil, formatErr(ErrNotVMDK, 0, "file", "%d bytes is too short for a VMDK", size)
	}
	// 4 KiB, as Detect is given: a descriptor may open with long comments.
	head := make([]byte, min(size, detectLen))
	if err := readFull(r, head, 0, "header"); err != nil {
		return nil, err
	}
	switch string(head[:4]) {
	case sparseMagic:
		return parseSparse(r, size, head[:min(len(head), SectorSize)])
	case cowdMagic:
		return nil, formatErr(ErrUnsupported, 0, "magic", "VMDK3 (ESX 2 \"COWD\") sparse extents are not supported")
	}
	if !detectDescriptor(head) {
		return nil, formatErr(ErrNotVMDK, 0, "magic", "neither a sparse extent (\"KDMV\") nor a text descriptor (\"version=\" line)")
	}
	return parseDescriptorFile(r, size, 0)
}

// readFull reads len(p) bytes at off, turning a short read into ErrCorrupt.
func readFull(r io.ReaderAt, p []byte, off int64, what string) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		return formatErr(ErrCorrupt, off, what, "file ends after %d of %d bytes", n, len(p))
	}
	return fmt.Errorf("vmdk: reading %s at offset %d: %w", what, off, err)
}

// parseSparse parses a hosted sparse extent that carries its descriptor.
func parseSparse(r io.ReaderAt, size int64, head []byte) (*Image, error) {
	if len(head) < SectorSize {
		return nil, formatErr(ErrCorrupt, 0, "sparse header", "file of %d bytes is shorter than the 512-byte header", size)
	}
	h := decodeHeader(head)
	im := &Image{Header: &h}
	if h.Capacity == 0 && h.DescriptorOffset != 0 {
		// qemu reads such a header as a pointer to a descriptor file.
		off, ok := sectorsToBytes(h.DescriptorOffset)
		if !ok || off >= size {
			return nil, formatErr(ErrCorrupt, offDescriptorOffset, "sparse header descriptorOffset", "sector %d is beyond the end of the %d-byte file", h.DescriptorOffset, size)
		}
		return parseDescriptorFile(r, size, off)
	}
	if err := settleHeader(r, size, &h, &im.FooterHeader, &im.Warnings); err != nil {
		return nil, err
	}

	if h.DescriptorOffset == 0 || h.DescriptorSize == 0 {
		return nil, formatErr(ErrUnsupported, offDescriptorOffset, "sparse header descriptorOffset", "this sparse extent has no embedded descriptor; it is one extent of a multi-file VMDK, open the descriptor file that names it")
	}
	descOff, ok := sectorsToBytes(h.DescriptorOffset)
	if !ok || descOff >= size {
		return nil, formatErr(ErrCorrupt, offDescriptorOffset, "sparse header descriptorOffset", "descriptor at sector %d is beyond the end of the %d-byte file", h.DescriptorOffset, size)
	}
	descLen, ok := sectorsToBytes(h.DescriptorSize)
	if !ok || descLen > MaxDescriptorSize {
		return nil, formatErr(ErrCorrupt, offDescriptorSize, "sparse header descriptorSize", "descriptor of %d sectors at sector %d exceeds the %d-byte limit", h.DescriptorSize, h.DescriptorOffset, MaxDescriptorSize)
	}
	if descLen > size-descOff {
		return nil, formatErr(ErrCorrupt, offDescriptorOffset, "sparse header descriptorOffset", "descriptor (sectors %d+%d) extends beyond the end of the %d-byte file", h.DescriptorOffset, h.DescriptorSize, size)
	}
	text := make([]byte, descLen)
	if err := readFull(r, text, descOff, "descriptor"); err != nil {
		return nil, err
	}
	d, err := ParseDescriptor(text, descOff)
	if err != nil {
		return nil, err
	}
	if err := requireCIDs(d, descOff); err != nil {
		return nil, err
	}
	im.Descriptor, im.DescriptorOffset = d, descOff

	grain := int64(h.GrainSize) * SectorSize
	createType := MonolithicSparse.String()
	compressed := h.Compression == CompressionDeflate
	if compressed {
		createType = StreamOptimized.String()
	}
	im.info = Info{
		VirtualSize: int64(h.Capacity) * SectorSize,
		ClusterSize: grain,
		CreateType:  createType,
		Extents: []ExtentInfo{{
			VirtualSize: int64(h.Capacity) * SectorSize,
			ClusterSize: grain,
			Compressed:  compressed,
		}},
	}
	im.fillFromDescriptor()
	return im, nil
}

// settleHeader replaces h by the footer's copy when h defers to it, checks
// the header in effect and notes what a consumer should know.
func settleHeader(r io.ReaderAt, size int64, h *SparseHeader, footer *bool, warnings *[]string) error {
	if h.GDOffset == gdAtEnd {
		fh, err := readFooter(r, size)
		if err != nil {
			return err
		}
		*h, *footer = fh, true
	}
	if err := checkHeader(h, size); err != nil {
		return err
	}
	if !h.NewlineOK() && h.Flags&FlagNewlineDetect != 0 {
		*warnings = append(*warnings, fmt.Sprintf("newline check bytes are %q, not \"\\n \\r\\n\": the file may have been mangled by a text-mode transfer", h.NewlineChecks[:]))
	}
	if h.UncleanShutdown {
		*warnings = append(*warnings, "the unclean-shutdown flag is set")
	}
	if gd, ok := sectorsToBytes(h.GDOffset); !ok || gd >= size {
		*warnings = append(*warnings, fmt.Sprintf("the grain directory (sector %d) lies beyond the end of the file", h.GDOffset))
	}
	return nil
}

// ParseSparseExtent reads a hosted sparse extent on its own — one extent
// file of a twoGbMaxExtentSparse or vmfsSparse descriptor, which carries
// no descriptor of its own — with the checks Parse applies to a header
// (and the footer's copy when the header defers to it). qemu-img shows
// such an extent's "virtual-size" from its capacity and "cluster-size"
// from its grain size, not from the descriptor line. The warnings are
// those Parse would put in Image.Warnings.
func ParseSparseExtent(r io.ReaderAt, size int64) (h *SparseHeader, warnings []string, err error) {
	head := make([]byte, min(max(size, 0), SectorSize))
	if err := readFull(r, head, 0, "header"); err != nil {
		return nil, nil, err
	}
	if len(head) < len(sparseMagic) || string(head[:4]) != sparseMagic {
		return nil, nil, formatErr(ErrNotVMDK, 0, "magic", "not a hosted sparse extent (\"KDMV\")")
	}
	if len(head) < SectorSize {
		return nil, nil, formatErr(ErrCorrupt, 0, "sparse header", "file of %d bytes is shorter than the 512-byte header", size)
	}
	hd := decodeHeader(head)
	var footer bool
	if err := settleHeader(r, size, &hd, &footer, &warnings); err != nil {
		return nil, nil, err
	}
	return &hd, warnings, nil
}

// checkHeader bounds every header field Info and a reader depend on.
func checkHeader(h *SparseHeader, size int64) error {
	if h.Version < 1 || h.Version > 3 {
		return formatErr(ErrUnsupported, offVersion, "sparse header version", "version %d is not 1, 2 or 3", h.Version)
	}
	if h.GrainSize == 0 || h.GrainSize > MaxGrainSize || h.GrainSize&(h.GrainSize-1) != 0 {
		return formatErr(ErrCorrupt, offGrainSize, "sparse header grainSize", "%d sectors is not a power of two between 1 and %d", h.GrainSize, MaxGrainSize)
	}
	if h.NumGTEsPerGT == 0 || h.NumGTEsPerGT > MaxGTEsPerGT {
		return formatErr(ErrCorrupt, offNumGTEsPerGT, "sparse header numGTEsPerGT", "%d entries per grain table is not between 1 and %d", h.NumGTEsPerGT, MaxGTEsPerGT)
	}
	if h.Capacity > math.MaxInt64/SectorSize {
		return formatErr(ErrCorrupt, offCapacity, "sparse header capacity", "%d sectors overflows a 63-bit byte size", h.Capacity)
	}
	span := uint64(h.NumGTEsPerGT) * h.GrainSize // ≤ 2^30, no overflow
	if gd := h.Capacity/span + min(h.Capacity%span, 1); gd > MaxGDEntries {
		return formatErr(ErrCorrupt, offCapacity, "sparse header capacity", "%d sectors need %d grain directory entries, more than qemu's %d", h.Capacity, gd, MaxGDEntries)
	}
	if h.OverHead > uint64(size/SectorSize) {
		return formatErr(ErrCorrupt, offOverHead, "sparse header overHead", "grains start at sector %d, beyond the end of the %d-byte file (truncated?)", h.OverHead, size)
	}
	if h.Compression != CompressionNone && h.Compression != CompressionDeflate {
		return formatErr(ErrUnsupported, offCompressAlgo, "sparse header compressAlgorithm", "unknown compression algorithm %d", h.Compression)
	}
	return nil
}

// sectorsToBytes converts a sector count to bytes, reporting overflow of
// int64.
func sectorsToBytes(s uint64) (int64, bool) {
	if s > math.MaxInt64/SectorSize {
		return 0, false
	}
	return int64(s) * SectorSize, true
}

// requireCIDs enforces what qemu needs to open any VMDK: CID and parentCID.
func requireCIDs(d *Descriptor, off int64) error {
	if !d.HasCID {
		return formatErr(ErrCorrupt, off, "descriptor CID", "the descriptor has no CID line")
	}
	if !d.HasParentCID {
		return formatErr(ErrCorrupt, off, "descriptor parentCID", "the descriptor has no parentCID line")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
