package vhd

import (
	"crypto/rand"
	"fmt"
	"time"
)

// Plan describes every byte of a new image: the file is Size bytes long,
// the Extents are ascending and do not overlap, and bytes outside them
// are zero.
type Plan struct {
	Size    int64
	Extents []Extent
}

// Extent is a run of bytes of a planned file, given either by Data
// (len(Data) == Length) or by Fill, which writes into p the bytes from off,
// an offset relative to the start of the extent (off+len(p) ≤ Length), so
// large regions are generated while they are written. The convention is the
// same in every instar format package.
type Extent struct {
	Offset int64
	Length int64
	Data   []byte
	Fill   func(off int64, p []byte)
}

// Creator fields qemu-img 7.2 writes.
const (
	creatorVersion = 0x00050003 // "Virtual PC 2007", 5.3
	creatorHostOS  = "Wi2k"
	creatorCHS     = "qemu" // size from geometry
	creatorExact   = "qem2" // size from Current Size (force_size)
	// batOffset is where qemu puts the BAT: after the footer copy and
	// the dynamic header.
	batOffset = FooterSize + DynamicHeaderSize
)

// PlanImage plans a fixed or dynamic image as qemu-img 7.2 writes it, or
// a differencing child when o.Parent is set.
func PlanImage(o Options) (*Plan, error) {
	if o.Subformat != SubformatDynamic && o.Subformat != SubformatFixed {
		return nil, fmt.Errorf("%w: unknown subformat %d", ErrInvalidOption, int(o.Subformat))
	}
	f := Footer{
		Features:       featureReserved,
		Version:        formatVersion,
		CreatorVersion: creatorVersion,
	}
	copy(f.CreatorOS[:], creatorHostOS)
	var err error
	if f.Timestamp, err = planTimestamp(o.Time); err != nil {
		return nil, err
	}
	if f.UUID, err = planUUID(o.UUID); err != nil {
		return nil, err
	}
	if o.Parent != nil {
		return planDifferencing(o, f)
	}
	size, g, err := sizeAndGeometry(o.Size, o.ForceSize)
	if err != nil {
		return nil, err
	}
	f.OriginalSize, f.CurrentSize, f.Geometry = uint64(size), uint64(size), g
	creator := creatorCHS
	if o.ForceSize {
		creator = creatorExact
	}
	copy(f.CreatorApp[:], creator)
	if o.Subformat == SubformatFixed {
		f.DiskType, f.DataOffset = DiskTypeFixed, noDataOffset
		return &Plan{Size: size + FooterSize, Extents: []Extent{{Offset: size, Length: FooterSize, Data: f.encode()}}}, nil
	}
	f.DiskType, f.DataOffset = DiskTypeDynamic, FooterSize
	return planSparse(f, size, DynamicHeader{}, nil), nil
}

// planSparse lays out a dynamic or differencing disk the way qemu lays
// out a dynamic one: footer copy, dynamic header, an all-unallocated BAT
// padded to a sector with 0xFF, then (differencing only) the locator
// data, then the footer. h carries the parent fields; locators holds
// each used locator entry's data, in entry order.
func planSparse(f Footer, size int64, h DynamicHeader, locators [][]byte) *Plan {
	footer := f.encode()
	entries := (size + DefaultBlockSize - 1) / DefaultBlockSize
	batLen := (entries*4 + SectorSize - 1) / SectorSize * SectorSize
	h.TableOffset = batOffset
	h.Version = formatVersion
	h.MaxTableEntries = uint32(entries)
	h.BlockSize = DefaultBlockSize
	off := int64(batOffset) + batLen
	var data []Extent
	for i, d := range locators {
		space := (int64(len(d)) + SectorSize - 1) / SectorSize * SectorSize
		h.Locators[i].DataSpace = uint32(space)
		h.Locators[i].DataLength = uint32(len(d))
		h.Locators[i].DataOffset = uint64(off)
		data = append(data, Extent{Offset: off, Length: int64(len(d)), Data: d})
		off += space
	}
	ext := []Extent{
		{Offset: 0, Length: FooterSize, Data: footer},
		{Offset: FooterSize, Length: DynamicHeaderSize, Data: h.encode()},
	}
	if batLen > 0 {
		ext = append(ext, Extent{Offset: batOffset, Length: batLen, Fill: fillUnused})
	}
	ext = append(ext, data...)
	ext = append(ext, Extent{Offset: off, Length: FooterSize, Data: footer})
	return &Plan{Size: off + FooterSize, Extents: ext}
}

// fillUnused writes unallocated BAT entries (all ones).
func fillUnused(_ int64, p []byte) {
	for i := range p {
		p[i] = 0xFF
	}
}

// planTimestamp converts the caller's time, or now.
func planTimestamp(t time.Time) (Timestamp, error) {
	if t.IsZero() {
		t = time.Now()
	}
	return TimestampOf(t)
}

// planUUID returns the caller's UUID or a random version 4 UUID, as qemu
// generates.
func planUUID(u *UUID) (UUID, error) {
	if u != nil {
		return *u, nil
	}
	var r UUID
	if _, err := rand.Read(r[:]); err != nil {
		return r, fmt.Errorf("vhd: drawing a random UUID: %w", err)
	}
	r[6] = r[6]&0x0F | 0x40
	r[8] = r[8]&0x3F | 0x80
	return r, nil
}
