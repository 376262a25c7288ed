package vmdk

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Layout constants of the sparse file qemu-img 7.2 writes (block/vmdk.c
// vmdk_init_extent): 64 KiB grains, 512-entry grain tables, the descriptor
// in 20 sectors after the header, then the redundant grain directory and
// its tables, then the grain directory and its tables, grains after that
// on a grain boundary.
const (
	grainSectors      = 128
	gtesPerGT         = 512
	gtSectors         = gtesPerGT * 4 / SectorSize
	descriptorStart   = 1 // sector
	descriptorSectors = 20
	gdEntrySize       = 4
)

// Plan describes every byte of a new VMDK file. Bytes outside the extents
// are zero, so a writer may leave them as holes (the grain tables are all
// zero and are never listed). A Plan is also an io.ReaderAt over the file.
type Plan struct {
	// Size is the length of the file in bytes.
	Size int64
	// Extents are ascending and do not overlap.
	Extents []Extent
	// CID is the new image's content ID (random unless Options.CID), the
	// parentCID a child of it records; ParentCID is what was written.
	CID, ParentCID uint32
	// VirtualSize is the size written, after rounding up to 512.
	VirtualSize int64
	// Header is the sparse header written.
	Header SparseHeader
	// Descriptor is the descriptor text written at offset 512.
	Descriptor string
}

// Extent is a run of Length bytes of the file at Offset, given by exactly
// one of Data (len(Data) == Length) or Fill.
type Extent struct {
	Offset int64
	Length int64
	Data   []byte
	// Fill writes the extent's bytes from off, an offset relative to the
	// start of the extent, into p (off+len(p) ≤ Length). The grain
	// directories (512 KiB each at 2 TiB, 32 MiB at MaxVirtualSize) are
	// generated this way, never held in memory whole.
	Fill func(off int64, p []byte)
}

// ReadAt reads the planned file's bytes at off, as if the plan had been
// written to a file of Size bytes.
func (p *Plan) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("vmdk: Plan.ReadAt: negative offset")
	}
	if off >= p.Size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.Size-off))
	out := b[:n]
	clear(out)
	i := sort.Search(len(p.Extents), func(i int) bool {
		return p.Extents[i].Offset+p.Extents[i].Length > off
	})
	end := off + int64(n)
	for ; i < len(p.Extents) && p.Extents[i].Offset < end; i++ {
		e := p.Extents[i]
		lo, hi := max(e.Offset, off), min(e.Offset+e.Length, end)
		dst := out[lo-off : hi-off]
		if e.Fill != nil {
			e.Fill(lo-e.Offset, dst)
		} else {
			copy(dst, e.Data[lo-e.Offset:hi-e.Offset])
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// layout is the geometry of the grain directories, in sectors.
type layout struct {
	gtCount   uint64 // grain tables (= grain directory entries)
	gdSectors uint64 // sectors of one grain directory
	rgd, gd   uint64 // the two directories
	overHead  uint64 // first grain
}

// newLayout computes qemu-img's layout for a capacity in sectors (at most
// MaxVirtualSize/512, where none of qemu's 32-bit quantities overflow).
func newLayout(capacity uint64) layout {
	grains := ceilDiv(capacity, grainSectors)
	var l layout
	l.gtCount = ceilDiv(grains, gtesPerGT)
	l.gdSectors = ceilDiv(l.gtCount*gdEntrySize, SectorSize)
	l.rgd = descriptorStart + descriptorSectors
	l.gd = l.rgd + l.gdSectors + gtSectors*l.gtCount
	l.overHead = ceilDiv(l.gd+l.gdSectors+gtSectors*l.gtCount, grainSectors) * grainSectors
	return l
}

func ceilDiv(a, b uint64) uint64 { return a/b + min(a%b, 1) }

// PlanImage plans a monolithicSparse or streamOptimized image laid out
// byte for byte as qemu-img 7.2 `create -f vmdk` writes it: header,
// descriptor, redundant grain directory, grain directory, the (zero) grain
// tables qemu pre-allocates, the file ending where the first grain would
// start. Errors are *OptionError.
func PlanImage(o Options) (*Plan, error) {
	size := o.Size
	if size > 0 && size%SectorSize != 0 && size <= MaxVirtualSize {
		size += SectorSize - size%SectorSize
	}
	o.Size = size
	if err := o.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{VirtualSize: size, ParentCID: NoParentCID}
	if o.CID != nil {
		p.CID = *o.CID
	} else {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("vmdk: drawing a random CID: %w", err)
		}
		p.CID = binary.LittleEndian.Uint32(b[:])
	}
	if o.ParentCID != nil {
		p.ParentCID = *o.ParentCID
	}
	capacity := uint64(size) / SectorSize
	p.Descriptor = o.descriptor(p.CID, p.ParentCID, capacity)
	if len(p.Descriptor) > MaxDescriptorText {
		return nil, optionErr(ErrInvalidOption, "descriptor", "", "the descriptor would be %d bytes, more than the %d qemu-img reserves for it; shorten backing_file, hwversion or toolsversion", len(p.Descriptor), MaxDescriptorText)
	}

	l := newLayout(capacity)
	h := SparseHeader{
		Version:          1,
		Flags:            FlagRedundantGD | FlagNewlineDetect,
		Capacity:         capacity,
		GrainSize:        grainSectors,
		DescriptorOffset: descriptorStart,
		DescriptorSize:   descriptorSectors,
		NumGTEsPerGT:     gtesPerGT,
		RGDOffset:        l.rgd,
		GDOffset:         l.gd,
		OverHead:         l.overHead,
		NewlineChecks:    newlineChecks,
	}
	switch {
	case o.Subformat == StreamOptimized:
		h.Version = 3
		h.Flags |= FlagCompressed | FlagMarkers
		h.Compression = CompressionDeflate
	case o.ZeroedGrain:
		h.Version = 2
	}
	if o.ZeroedGrain {
		h.Flags |= FlagZeroedGrain
	}
	p.Header = h
	p.Size = int64(l.overHead) * SectorSize
	gdLen := int64(l.gdSectors) * SectorSize
	p.Extents = []Extent{
		{Offset: 0, Length: SectorSize, Data: h.encode()},
		{Offset: descriptorStart * SectorSize, Length: int64(len(p.Descriptor)), Data: []byte(p.Descriptor)},
		{Offset: int64(l.rgd) * SectorSize, Length: gdLen, Fill: gdFill(l.rgd+l.gdSectors, l.gtCount)},
		{Offset: int64(l.gd) * SectorSize, Length: gdLen, Fill: gdFill(l.gd+l.gdSectors, l.gtCount)},
	}
	return p, nil
}

// gdFill generates a grain directory whose count entries point at grain
// tables laid out one after another from sector first; the rest of its
// last sector is zero.
func gdFill(first, count uint64) func(off int64, p []byte) {
	return func(off int64, p []byte) {
		clear(p)
		var e [gdEntrySize]byte
		end := uint64(off) + uint64(len(p))
		for idx := uint64(off) / gdEntrySize; idx < count && idx*gdEntrySize < end; idx++ {
			binary.LittleEndian.PutUint32(e[:], uint32(first+idx*gtSectors))
			at := int64(idx*gdEntrySize) - off // may be negative for the first entry
			src := e[:]
			if at < 0 {
				src, at = src[-at:], 0
			}
			copy(p[at:], src)
		}
	}
}

// descriptor renders the embedded descriptor as qemu-img 7.2 does
// (vmdk_co_do_create's template). qemu puts the parentFileNameHint line
// right before the blank line, so a child has no blank line between it
// and "# Extent description".
func (o *Options) descriptor(cid, parentCID uint32, capacity uint64) string {
	var b strings.Builder
	b.WriteString("# Disk DescriptorFile\nversion=1\n")
	fmt.Fprintf(&b, "CID=%x\nparentCID=%x\ncreateType=\"%s\"\n", cid, parentCID, o.Subformat)
	if o.BackingFile != "" {
		fmt.Fprintf(&b, "parentFileNameHint=\"%s\"", o.BackingFile)
	}
	b.WriteString("\n# Extent description\n")
	fmt.Fprintf(&b, "RW %d SPARSE \"%s\"\n", capacity, extentName(o.FileName))
	b.WriteString("\n# The Disk Data Base\n#DDB\n\n")
	heads := o.AdapterType.Heads()
	fmt.Fprintf(&b, "ddb.virtualHWVersion = \"%s\"\n", o.hwVersion())
	fmt.Fprintf(&b, "ddb.geometry.cylinders = \"%d\"\n", o.Size/(63*heads*SectorSize))
	fmt.Fprintf(&b, "ddb.geometry.heads = \"%d\"\n", heads)
	b.WriteString("ddb.geometry.sectors = \"63\"\n")
	fmt.Fprintf(&b, "ddb.adapterType = \"%s\"\n", o.AdapterType)
	fmt.Fprintf(&b, "ddb.toolsVersion = \"%s\"\n", o.toolsVersion())
	return b.String()
}
