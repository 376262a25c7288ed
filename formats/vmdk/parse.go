package vmdk

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
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

// Marker types of a streamOptimized file (VMware "Virtual Disk Format
// 5.0", section "Stream-Optimized Compressed Sparse Extents"). A metadata
// marker is one sector: uint64 value, uint32 size (0), uint32 type.
const (
	markerEndOfStream = 0
	markerFooter      = 3
	markerOffValue    = 0
	markerOffSize     = 8
	markerOffType     = 12
	footerLen         = 3 * SectorSize // footer marker, footer header, end-of-stream marker
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
	head := make([]byte, min(size, SectorSize))
	if err := readFull(r, head, 0, "header"); err != nil {
		return nil, err
	}
	switch string(head[:4]) {
	case sparseMagic:
		return parseSparse(r, size, head)
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

// readFooter reads the footer header of a streamOptimized file whose
// header says "grain directory at end", with its two markers.
func readFooter(r io.ReaderAt, size int64) (SparseHeader, error) {
	end := size / SectorSize * SectorSize
	if end < footerLen+SectorSize {
		return SparseHeader{}, formatErr(ErrCorrupt, offGDOffset, "sparse header gdOffset", "points to a footer, but the %d-byte file has no room for one", size)
	}
	b := make([]byte, footerLen)
	at := end - footerLen
	if err := readFull(r, b, at, "footer"); err != nil {
		return SparseHeader{}, err
	}
	le := binary.LittleEndian
	fm, hdr, eos := b[:SectorSize], b[SectorSize:2*SectorSize], b[2*SectorSize:]
	switch {
	case le.Uint32(fm[markerOffSize:]) != 0 || le.Uint32(fm[markerOffType:]) != markerFooter:
		return SparseHeader{}, formatErr(ErrCorrupt, at, "footer marker", "not a footer marker")
	case string(hdr[:4]) != sparseMagic:
		return SparseHeader{}, formatErr(ErrCorrupt, at+SectorSize, "footer magic", "footer header lacks \"KDMV\"")
	case le.Uint64(eos[markerOffValue:]) != 0 || le.Uint32(eos[markerOffSize:]) != 0 || le.Uint32(eos[markerOffType:]) != markerEndOfStream:
		return SparseHeader{}, formatErr(ErrCorrupt, at+2*SectorSize, "end-of-stream marker", "not an end-of-stream marker")
	}
	h := decodeHeader(hdr)
	if h.GDOffset == gdAtEnd {
		return SparseHeader{}, formatErr(ErrCorrupt, at+SectorSize+offGDOffset, "footer gdOffset", "the footer also defers its grain directory to the footer")
	}
	return h, nil
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

// descriptorFileTypes are the createType values qemu opens from a
// stand-alone descriptor.
var descriptorFileTypes = []string{"monolithicFlat", "vmfs", "vmfsSparse", "seSparse", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"}

// extentTypes are the extent types qemu opens from a descriptor file.
var extentTypes = []string{"FLAT", "SPARSE", "VMFS", "VMFSSPARSE", "SESPARSE"}

// parseDescriptorFile parses a stand-alone descriptor starting at off. Its
// virtual size is the sum of the extents qemu would open; none is opened.
func parseDescriptorFile(r io.ReaderAt, size, off int64) (*Image, error) {
	n := size - off
	if n > MaxDescriptorSize {
		return nil, formatErr(ErrCorrupt, off, "descriptor", "a descriptor file of %d bytes exceeds the %d-byte limit", n, MaxDescriptorSize)
	}
	text := make([]byte, n)
	if err := readFull(r, text, off, "descriptor"); err != nil {
		return nil, err
	}
	d, err := ParseDescriptor(text, off)
	if err != nil {
		return nil, err
	}
	if d.CreateType == "" {
		return nil, formatErr(ErrCorrupt, off, "descriptor createType", "the descriptor has no createType")
	}
	if !contains(descriptorFileTypes, d.CreateType) {
		return nil, formatErr(ErrUnsupported, off, "descriptor createType", "create type %q in a descriptor file is not one qemu opens (%s)", clip(d.CreateType), strings.Join(descriptorFileTypes, ", "))
	}
	if err := requireCIDs(d, off); err != nil {
		return nil, err
	}
	im := &Image{Descriptor: d, DescriptorOffset: off}
	im.info.CreateType = d.CreateType
	var total int64
	for i, e := range d.Extents {
		// The order of these checks is qemu's (vmdk_parse_extents).
		if e.Access != "RW" {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d (%s %q) is ignored: qemu opens only RW extents", i+1, e.Access, clip(e.FileName)))
			continue
		}
		if e.Type == "FLAT" && !e.HasOffset {
			return nil, formatErr(ErrCorrupt, e.LineOffset, "descriptor extent line", "FLAT extent %d has no offset", i+1)
		}
		if e.Type != "FLAT" && e.HasOffset {
			return nil, formatErr(ErrCorrupt, e.LineOffset, "descriptor extent line", "%s extent %d has an offset; only FLAT extents take one", clip(e.Type), i+1)
		}
		if e.Sectors == 0 {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d (%q) is ignored: it has 0 sectors", i+1, clip(e.FileName)))
			continue
		}
		if !contains(extentTypes, e.Type) {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d of type %q is ignored: qemu does not read it", i+1, clip(e.Type)))
			continue
		}
		if e.Sectors > (math.MaxInt64-total)/SectorSize {
			return nil, formatErr(ErrCorrupt, e.LineOffset, "descriptor extent line", "extent sizes add up to more than 2^63 bytes")
		}
		total += e.Size()
		im.info.Extents = append(im.info.Extents, ExtentInfo{
			Filename:    e.FileName,
			Format:      e.Type,
			VirtualSize: e.Size(),
			Flat:        e.Flat(),
			Offset:      e.Offset * SectorSize,
		})
		if w := unsafeName(e.FileName); w != "" {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d file name %q %s", i+1, clip(e.FileName), w))
		}
	}
	if len(im.info.Extents) == 0 {
		return nil, formatErr(ErrCorrupt, off, "descriptor extent line", "the descriptor names no extent qemu can open")
	}
	im.Warnings = append(im.Warnings, fmt.Sprintf("create type %s keeps its data in other files", d.CreateType))
	im.info.VirtualSize = total
	im.fillFromDescriptor()
	return im, nil
}

// unsafeName says why an extent file name should not be followed blindly,
// or "" when it is a plain name in the descriptor's directory.
func unsafeName(name string) string {
	switch {
	case name == "":
		return "is empty"
	case strings.HasPrefix(name, "/"):
		return "is an absolute path"
	case strings.ContainsAny(name, "/\\"):
		return "names another directory"
	case name == "." || name == "..":
		return "names a directory"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
