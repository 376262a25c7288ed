package vhdx

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// metaKey identifies a metadata item: user and system items have separate
// namespaces (MS-VHDX 2.6.1.2).
type metaKey struct {
	id     GUID
	isUser bool
}

// systemItem describes a metadata item this package reads.
type systemItem struct {
	name     string
	size     uint32 // bytes read; the item must be at least this long
	required bool   // must be present in every file
}

var systemItems = map[GUID]systemItem{
	fileParamsGUID:    {"file parameters", fileParamsSize, true},
	virtualSizeGUID:   {"virtual disk size", virtualSizeSize, true},
	page83GUID:        {"page 83 data", page83Size, true},
	logicalSectorGUID: {"logical sector size", sectorSizeSize, true},
	physSectorGUID:    {"physical sector size", sectorSizeSize, true},
	parentLocatorGUID: {"parent locator", plHeaderSize, false},
}

// systemItemOrder fixes the order in which missing items are reported.
var systemItemOrder = []GUID{fileParamsGUID, virtualSizeGUID, page83GUID, logicalSectorGUID, physSectorGUID}

// parseMetadata reads the metadata table and the system items.
func (p *parser) parseMetadata() error {
	region := p.img.Metadata
	base := int64(region.FileOffset)
	b, err := p.read(base, metadataTableSize, "metadata table")
	if err != nil {
		return err
	}
	if string(b[mtSignatureOff:mtSignatureOff+8]) != metadataSignature {
		return formatErr(ErrCorrupt, base, "metadata table signature", "%q, not %q", b[mtSignatureOff:mtSignatureOff+8], metadataSignature)
	}
	n := int(binary.LittleEndian.Uint16(b[mtEntryCountOff:]))
	if n > maxMetadataEntries {
		return formatErr(ErrCorrupt, base+mtEntryCountOff, "metadata table entry count", "%d exceeds the maximum of %d", n, maxMetadataEntries)
	}
	found := make(map[GUID]MetadataEntry)
	seen := make(map[metaKey]bool, n)
	for i := range n {
		eoff := mtHeaderSize + i*mtEntrySize
		at := base + int64(eoff)
		field := fmt.Sprintf("metadata table entry %d", i)
		e := decodeMetadataEntry(b[eoff:])
		if err := checkItemBounds(e, region, at, field); err != nil {
			return err
		}
		k := metaKey{e.ItemID, e.IsUser}
		if seen[k] {
			return formatErr(ErrCorrupt, at, field, "item %s appears twice; items must be unique", e.ItemID)
		}
		seen[k] = true
		p.img.MetadataEntries = append(p.img.MetadataEntries, e)
		if item, known := systemItems[e.ItemID]; known && !e.IsUser {
			if e.Length < item.size {
				return formatErr(ErrCorrupt, at+mteLengthOff, field+" length",
					"the %s item is %d bytes, shorter than its %d bytes", item.name, e.Length, item.size)
			}
			found[e.ItemID] = e
			continue
		}
		if e.IsRequired {
			return formatErr(ErrUnsupported, at, field,
				"item %s is marked required but is not one this reader knows, so the file must not be opened", e.ItemID)
		}
	}
	for _, id := range systemItemOrder {
		if _, ok := found[id]; !ok {
			return formatErr(ErrCorrupt, base+mtEntryCountOff, "metadata table",
				"the required %s item is missing", systemItems[id].name)
		}
	}
	return p.readItems(found)
}

// checkItemBounds checks that an item lies inside the metadata region,
// after the table, and is no longer than the specification allows.
func checkItemBounds(e MetadataEntry, region Region, at int64, field string) error {
	switch {
	case e.Length == 0:
		if e.Offset != 0 {
			return formatErr(ErrCorrupt, at+mteOffsetOff, field+" offset", "%d with length 0; an empty item must have offset 0", e.Offset)
		}
	case e.Length > maxMetadataItemLength:
		return formatErr(ErrCorrupt, at+mteLengthOff, field+" length", "%d exceeds the maximum of %d", e.Length, maxMetadataItemLength)
	case e.Offset < minMetadataItemOffset:
		return formatErr(ErrCorrupt, at+mteOffsetOff, field+" offset", "%d lies inside the 64 KiB metadata table", e.Offset)
	case uint64(e.Offset)+uint64(e.Length) > uint64(region.Length):
		return formatErr(ErrCorrupt, at+mteOffsetOff, field+" offset",
			"the item (%d bytes at %d) extends beyond the %d-byte metadata region", e.Length, e.Offset, region.Length)
	}
	return nil
}

// readItems reads and checks the system metadata items.
func (p *parser) readItems(found map[GUID]MetadataEntry) error {
	base := int64(p.img.Metadata.FileOffset)
	item := func(id GUID) ([]byte, int64, error) {
		e := found[id]
		off := base + int64(e.Offset)
		b, err := p.read(off, int(systemItems[id].size), systemItems[id].name)
		return b, off, err
	}
	img := p.img

	b, off, err := item(fileParamsGUID)
	if err != nil {
		return err
	}
	img.BlockSize = binary.LittleEndian.Uint32(b[fpBlockSizeOff:])
	flags := binary.LittleEndian.Uint32(b[fpFlagsOff:])
	img.LeaveBlocksAllocated = flags&fpLeaveBlocksAllocated != 0
	img.HasParent = flags&fpHasParent != 0
	if bs := img.BlockSize; bs < specMinBlockSize || bs > specMaxBlockSize || bits.OnesCount32(bs) != 1 {
		return formatErr(ErrCorrupt, off+fpBlockSizeOff, "file parameters block size",
			"%d is not a power of two from 1 MiB to 256 MiB", bs)
	}

	if b, off, err = item(logicalSectorGUID); err != nil {
		return err
	}
	if img.LogicalSectorSize = binary.LittleEndian.Uint32(b); img.LogicalSectorSize != 512 && img.LogicalSectorSize != 4096 {
		return formatErr(ErrCorrupt, off, "logical sector size", "%d is neither 512 nor 4096", img.LogicalSectorSize)
	}
	if b, off, err = item(physSectorGUID); err != nil {
		return err
	}
	if img.PhysicalSectorSize = binary.LittleEndian.Uint32(b); img.PhysicalSectorSize != 512 && img.PhysicalSectorSize != 4096 {
		return formatErr(ErrCorrupt, off, "physical sector size", "%d is neither 512 nor 4096", img.PhysicalSectorSize)
	}

	if b, off, err = item(virtualSizeGUID); err != nil {
		return err
	}
	img.VirtualSize = binary.LittleEndian.Uint64(b)
	if img.VirtualSize > specMaxVirtualSize {
		return formatErr(ErrCorrupt, off, "virtual disk size", "%d exceeds the 64 TiB maximum", img.VirtualSize)
	}
	if img.VirtualSize%uint64(img.LogicalSectorSize) != 0 {
		return formatErr(ErrCorrupt, off, "virtual disk size", "%d is not a multiple of the %d-byte logical sector", img.VirtualSize, img.LogicalSectorSize)
	}

	if b, _, err = item(page83GUID); err != nil {
		return err
	}
	copy(img.DiskID[:], b)

	e, hasLocator := found[parentLocatorGUID]
	switch {
	case img.HasParent && !hasLocator:
		return formatErr(ErrCorrupt, base+mtEntryCountOff, "metadata table",
			"the file parameters say the disk has a parent but there is no parent locator item")
	case img.HasParent:
		off := base + int64(e.Offset)
		b, err := p.read(off, int(e.Length), "parent locator") // Length ≤ 1 MiB, checked
		if err != nil {
			return err
		}
		if img.Parent, err = decodeParentLocator(b, off); err != nil {
			return err
		}
		if _, ok := img.Parent.Lookup(KeyParentLinkage); !ok {
			return formatErr(ErrCorrupt, off, "parent locator", "there is no %s entry, which the specification requires", KeyParentLinkage)
		}
	case hasLocator:
		p.warn("a parent locator item is present but the file parameters say the disk has no parent; ignoring it")
	}
	return nil
}

// checkBAT checks that the BAT region holds every entry the virtual size
// needs. The entries themselves are not read.
func (p *parser) checkBAT() error {
	img := p.img
	img.BATEntries = batEntries(img.VirtualSize, img.BlockSize, img.LogicalSectorSize, img.HasParent)
	if need := img.BATEntries * batEntrySize; need > uint64(img.BAT.Length) {
		return formatErr(ErrCorrupt, int64(img.BAT.FileOffset), "BAT region",
			"%d bytes hold fewer than the %d entries a %d-byte disk with %d-byte blocks needs",
			img.BAT.Length, img.BATEntries, img.VirtualSize, img.BlockSize)
	}
	return nil
}
