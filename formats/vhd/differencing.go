package vhd

import "fmt"

// planDifferencing plans a differencing child (disk type 4) of
// o.Parent. The child takes the parent's size and geometry, records its
// UUID and time stamp, the name as typed, and W2ku/W2ru locators.
func planDifferencing(o Options, f Footer) (*Plan, error) {
	p := o.Parent
	if o.Subformat == SubformatFixed {
		return nil, fmt.Errorf("%w: subformat=fixed cannot have a parent; a differencing disk is dynamic", ErrInvalidOption)
	}
	if o.ForceSize {
		return nil, fmt.Errorf("%w: force_size does not apply to a differencing disk, which takes its parent's size and geometry", ErrInvalidOption)
	}
	vs := p.Info.VirtualSize
	if vs < 0 || vs > MaxVirtualSize {
		return nil, fmt.Errorf("%w: parent virtual size %d is outside 0..%d", ErrTooLarge, vs, MaxVirtualSize)
	}
	if o.Size != 0 && !sizeMatches(o.Size, vs) {
		return nil, fmt.Errorf("%w: requested size %d, parent %q has %d bytes; omit the size to use the parent's", ErrParentSize, o.Size, p.Name, vs)
	}
	var h DynamicHeader
	var err error
	if h.ParentNameRaw, err = encodeParentName(p.Name); err != nil {
		return nil, err
	}
	h.ParentUUID, h.ParentTimestamp = p.Info.UUID, p.Info.Timestamp
	var locators [][]byte
	if p.AbsolutePath != "" {
		w, err := absoluteLocatorPath(p.AbsolutePath)
		if err != nil {
			return nil, err
		}
		h.Locators[len(locators)].Platform = PlatformW2ku
		locators = append(locators, encodeUTF16LE(w))
	}
	if p.RelativePath != "" {
		w, err := relativeLocatorPath(p.RelativePath)
		if err != nil {
			return nil, err
		}
		h.Locators[len(locators)].Platform = PlatformW2ru
		locators = append(locators, encodeUTF16LE(w))
	}
	// Copy the parent's size fields and pick the creator that makes qemu
	// read them the way it reads the parent's.
	f.OriginalSize, f.CurrentSize, f.Geometry = p.Info.CurrentSize, p.Info.CurrentSize, p.Info.Geometry
	creator := creatorExact
	if p.Info.SizeFromGeometry {
		creator = creatorCHS
	} else {
		f.OriginalSize, f.CurrentSize = uint64(vs), uint64(vs)
	}
	copy(f.CreatorApp[:], creator)
	f.DiskType, f.DataOffset = DiskTypeDifferencing, FooterSize
	// The BAT covers whichever is larger of the two sizes readers use.
	blocks := max(vs, int64(min(f.CurrentSize, uint64(MaxVirtualSize))))
	return planSparse(f, blocks, h, locators), nil
}

// sizeMatches reports whether a requested size means the parent's size
// vs: exactly (after rounding to a sector) or after qemu's CHS rounding.
func sizeMatches(size, vs int64) bool {
	if size < 0 || size > MaxVirtualSize {
		return false
	}
	if exact := (size + SectorSize - 1) / SectorSize * SectorSize; exact == vs {
		return true
	}
	chs, _, err := sizeAndGeometry(size, false)
	return err == nil && chs == vs
}
