package vhdx

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// Plan describes every byte of a new VHDX file. Bytes outside the extents
// are zero, so a writer may leave them as holes. A Plan is also an
// io.ReaderAt over the whole file.
type Plan struct {
	// Size is the length of the file in bytes.
	Size int64
	// Extents are ascending and do not overlap.
	Extents []Extent

	// VirtualSize, BlockSize and LogSize are the values written, after
	// rounding and defaults.
	VirtualSize uint64
	BlockSize   uint32
	LogSize     uint32
	// DataWriteGUID is the new image's DataWriteGuid, the identity a
	// differencing child of it records; FileWriteGUID and DiskID are the
	// other identifiers written.
	DataWriteGUID GUID
	FileWriteGUID GUID
	DiskID        GUID
}

// Extent is a run of bytes of the file: Length bytes at Offset, given by
// exactly one of Data (len(Data) == Length) or Fill.
type Extent struct {
	Offset int64
	Length int64
	Data   []byte
	// Fill writes the extent's bytes from off, an offset relative to the
	// start of the extent, into p (off+len(p) ≤ Length). It is used for
	// large regular regions such as a BAT of hundreds of MiB, which are
	// generated while written and never held in memory whole.
	Fill func(off int64, p []byte)
}

// ReadAt reads the planned file's bytes at off, as if the plan had been
// written to a file of Size bytes.
func (p *Plan) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("vhdx: Plan.ReadAt: negative offset")
	}
	if off >= p.Size {
		return 0, io.EOF
	}
	n := len(b)
	if int64(n) > p.Size-off {
		n = int(p.Size - off)
	}
	out := b[:n]
	clear(out)
	// First extent that ends after off.
	i := sort.Search(len(p.Extents), func(i int) bool {
		return p.Extents[i].Offset+p.Extents[i].Length > off
	})
	end := off + int64(n)
	for ; i < len(p.Extents) && p.Extents[i].Offset < end; i++ {
		e := p.Extents[i]
		lo, hi := max(e.Offset, off), min(e.Offset+e.Length, end)
		dst := out[lo-off : hi-off]
		switch {
		case e.Fill != nil:
			e.Fill(lo-e.Offset, dst)
		case lo-e.Offset < int64(len(e.Data)):
			// A hand-built extent with short Data reads as zeros past it.
			copy(dst, e.Data[lo-e.Offset:])
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// layout is where qemu-img 7.2 puts each structure after the header
// section: the log at 1 MiB, the BAT after it, the 1 MiB metadata region
// after the BAT, and payload from 5 MiB past the end of the BAT.
type layout struct {
	logOffset, batOffset, metaOffset, dataOffset uint64
	batLength                                    uint32
	batEntries                                   uint64 // entries with content
	blocks, ratio                                uint64
}

func newLayout(r resolved, hasParent bool) layout {
	const sector = 512
	l := layout{logOffset: headerSectionSize}
	l.batOffset = l.logOffset + uint64(r.logSize)
	l.ratio = chunkRatio(r.blockSize, sector)
	l.blocks = payloadBlocks(r.size, r.blockSize)
	l.batEntries = batEntries(r.size, r.blockSize, sector, hasParent)
	reserved := l.batEntries
	if l.blocks == 0 && !hasParent {
		// qemu computes (blocks-1)/ratio in 32 bits, so an empty disk
		// reserves room for 2^32/ratio entries; match it.
		reserved = uint64(math.MaxUint32) / l.ratio
	}
	// A region is never empty: readers refuse a 0-byte BAT.
	l.batLength = uint32(max(roundUpMiB(reserved*batEntrySize), mib))
	l.metaOffset = l.batOffset + uint64(l.batLength)
	l.dataOffset = l.batOffset + uint64(l.batLength) + 5*mib
	return l
}

// PlanImage plans a new VHDX file as qemu-img 7.2 writes it for the same
// options (apart from the random GUIDs and sequence number, and the
// creator string), or a differencing child when o.Parent is set. Invalid
// options are reported all at once, as Validate does.
func PlanImage(o Options) (*Plan, error) {
	r, err := o.resolve()
	if err != nil {
		return nil, err
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	ids := []*GUID{&o.FileWriteGUID, &o.DataWriteGUID, &o.DiskID}
	for _, g := range ids {
		if g.IsZero() {
			if *g, err = randomGUID(rnd); err != nil {
				return nil, err
			}
		}
	}
	seq := o.SequenceNumber
	if seq == 0 {
		var b [4]byte
		if _, err := io.ReadFull(rnd, b[:]); err != nil {
			return nil, fmt.Errorf("vhdx: reading random sequence number: %w", err)
		}
		seq = uint64(binary.LittleEndian.Uint32(b[:]))
	}

	hasParent := r.locator != nil
	l := newLayout(r, hasParent)
	size := l.dataOffset
	if r.fixed {
		size += r.size
	}
	p := &Plan{
		Size:          int64(size),
		VirtualSize:   r.size,
		BlockSize:     r.blockSize,
		LogSize:       r.logSize,
		DataWriteGUID: o.DataWriteGUID,
		FileWriteGUID: o.FileWriteGUID,
		DiskID:        o.DiskID,
	}
	data := func(off uint64, b []byte) {
		p.Extents = append(p.Extents, Extent{Offset: int64(off), Length: int64(len(b)), Data: b})
	}

	data(fileIDOffset, append([]byte(fileSignature), utf16LE(r.creator)...))
	h := Header{
		SequenceNumber: seq,
		FileWriteGUID:  o.FileWriteGUID,
		DataWriteGUID:  o.DataWriteGUID,
		LogVersion:     logVersion,
		Version:        headerVersion,
		LogLength:      r.logSize,
		LogOffset:      l.logOffset,
	}
	data(header1Offset, h.encode())
	h.SequenceNumber++
	data(header2Offset, h.encode())
	// qemu leaves the Required bit of both regions clear; readers know
	// both regions anyway.
	regions := []Region{
		{GUID: batRegionGUID, FileOffset: l.batOffset, Length: l.batLength},
		{GUID: metadataRegionGUID, FileOffset: l.metaOffset, Length: 1 * mib},
	}
	rt := encodeRegionTable(regions)
	data(regionTable1Offset, rt)
	data(regionTable2Offset, rt)

	if g := l.batGenerator(r); g != nil {
		p.Extents = append(p.Extents, Extent{Offset: int64(l.batOffset), Length: int64(l.batEntries * batEntrySize), Fill: g})
	}

	table, items := metadata(r, o.DiskID)
	data(l.metaOffset, table)
	data(l.metaOffset+metadataTableSize, items)
	return p, nil
}

// batGenerator returns the Fill function of the BAT, or nil when every
// entry is zero (a dynamic image without zero blocks, or a differencing
// child, whose blocks are all not present).
func (l layout) batGenerator(r resolved) func(off int64, p []byte) {
	if l.blocks == 0 || (!r.fixed && !r.zero) {
		return nil
	}
	chunk := l.ratio + 1
	entry := func(i uint64) uint64 {
		if i%chunk == l.ratio {
			return 0 // sector bitmap entry: never allocated by qemu
		}
		b := i - i/chunk
		switch {
		case b >= l.blocks:
			return 0
		case r.zero:
			// qemu leaves the offset of a zero block 0 even in a fixed
			// image: Hyper-V refuses a non-zero reserved offset there.
			return batEntry(BlockZero, 0)
		}
		return batEntry(BlockFullyPresent, l.dataOffset+b*uint64(r.blockSize))
	}
	return func(off int64, p []byte) {
		var e [batEntrySize]byte
		for len(p) > 0 {
			i, within := uint64(off)/batEntrySize, int(uint64(off)%batEntrySize)
			binary.LittleEndian.PutUint64(e[:], entry(i))
			n := copy(p, e[within:])
			p, off = p[n:], off+int64(n)
		}
	}
}

// metadata returns the metadata table and the items that follow it at
// 64 KiB, in the order qemu-img writes them, plus the parent locator of a
// differencing child.
func metadata(r resolved, diskID GUID) (table, items []byte) {
	var fileParams [fileParamsSize]byte
	binary.LittleEndian.PutUint32(fileParams[fpBlockSizeOff:], r.blockSize)
	var flags uint32
	if r.fixed {
		flags |= fpLeaveBlocksAllocated
	}
	if r.locator != nil {
		flags |= fpHasParent
	}
	binary.LittleEndian.PutUint32(fileParams[fpFlagsOff:], flags)
	var vsize [virtualSizeSize]byte
	binary.LittleEndian.PutUint64(vsize[:], r.size)
	var sector [sectorSizeSize]byte
	binary.LittleEndian.PutUint32(sector[:], 512)

	type item struct {
		id          GUID
		b           []byte
		virtualDisk bool
	}
	list := []item{
		{fileParamsGUID, fileParams[:], false},
		{virtualSizeGUID, vsize[:], true},
		{page83GUID, diskID[:], true},
		{logicalSectorGUID, sector[:], true},
		{physSectorGUID, sector[:], true},
	}
	if r.locator != nil {
		list = append(list, item{parentLocatorGUID, r.locator.encode(), false})
	}
	entries := make([]MetadataEntry, len(list))
	off := uint32(minMetadataItemOffset)
	for i, it := range list {
		entries[i] = MetadataEntry{ItemID: it.id, Offset: off, Length: uint32(len(it.b)), IsVirtualDisk: it.virtualDisk, IsRequired: true}
		off += uint32(len(it.b))
		items = append(items, it.b...)
	}
	return encodeMetadataTable(entries), items
}
