package vhd

import "fmt"

// Limits qemu 7.2 applies to vpc images (block/vpc.c).
const (
	// maxGeometrySectors is the largest CHS geometry the spec allows,
	// 65535 cylinders x 16 heads x 255 sectors. A footer with exactly
	// this geometry tells qemu to use the Current Size field instead.
	maxGeometrySectors = 65535 * 16 * 255

	// maxSectors is qemu's 2040 GiB limit on a vpc image.
	maxSectors = 0xff000000

	// MaxVirtualSize is the largest virtual size qemu-img creates or opens
	// for vpc, with or without force_size: 2040 GiB.
	MaxVirtualSize int64 = maxSectors * SectorSize
)

// MaxVirtualSizeFor is the vhd row of the ceiling table: the largest
// size, in bytes, that qemu-img accepts for "create -f vpc" with these
// options (sizes are rounded up to a sector first). Subformat and
// force_size do not change it.
func MaxVirtualSizeFor(Options) int64 { return MaxVirtualSize }

// geometryFor is the CHS algorithm of the VHD spec's appendix ("CHS
// calculation") as qemu implements it: it rounds sectors down to what the
// chosen geometry addresses, capped at the maximum geometry.
func geometryFor(sectors int64) Geometry {
	sectors = min(sectors, maxGeometrySectors)
	var spt, heads, cylTimesHeads int64
	if sectors >= 65535*16*63 {
		spt, heads = 255, 16
		cylTimesHeads = sectors / spt
	} else {
		spt = 17
		cylTimesHeads = sectors / spt
		heads = max((cylTimesHeads+1023)/1024, 4)
		if cylTimesHeads >= heads*1024 || heads > 16 {
			spt, heads = 31, 16
			cylTimesHeads = sectors / spt
		}
		if cylTimesHeads >= heads*1024 {
			spt, heads = 63, 16
			cylTimesHeads = sectors / spt
		}
	}
	return Geometry{Cylinders: uint16(cylTimesHeads / heads), Heads: uint8(heads), SectorsPerTrack: uint8(spt)}
}

// sizeAndGeometry is what qemu-img create does with a requested size:
// round it up to a sector, then either keep it exactly (force_size, with
// the maximum geometry as a marker) or grow it to the smallest CHS
// geometry that covers it. Sizes past the largest geometry keep their
// exact size with the maximum geometry. It returns the virtual size and
// the geometry for the footer.
func sizeAndGeometry(size int64, forceSize bool) (int64, Geometry, error) {
	if size < 0 {
		return 0, Geometry{}, fmt.Errorf("%w: size %d is negative", ErrInvalidOption, size)
	}
	if size > MaxVirtualSize {
		return 0, Geometry{}, fmt.Errorf("%w: size %d is above the vpc maximum of %d bytes (2040 GiB)", ErrTooLarge, size, MaxVirtualSize)
	}
	sectors := (size + SectorSize - 1) / SectorSize
	maxGeometry := Geometry{Cylinders: 65535, Heads: 16, SectorsPerTrack: 255}
	if forceSize {
		return sectors * SectorSize, maxGeometry, nil
	}
	want := min(sectors, maxGeometrySectors)
	var g Geometry
	// Each step grows the candidate by one sector; the spec's algorithm
	// rounds down, so this finds the first geometry at or above want. It
	// ends within a few thousand steps: once the candidate reaches the
	// next multiple of the current heads x sectors per track, the product
	// covers want.
	for i := int64(0); g.Sectors() < want; i++ {
		g = geometryFor(want + i)
	}
	if g.Sectors() == maxGeometrySectors {
		return sectors * SectorSize, g, nil
	}
	return g.Sectors() * SectorSize, g, nil
}

// sizeFromCurrentSize reports whether qemu takes the virtual size from the
// footer's Current Size rather than from its CHS geometry: for images made
// by Hyper-V ("win "), qemu with force_size ("qem2"), Disk2vhd ("d2v "),
// XenConverter ("CTXS") and XenServer ("tap\0"), and for any image whose
// geometry is the maximum (too small to describe the disk).
func sizeFromCurrentSize(f Footer) bool {
	switch string(f.CreatorApp[:]) {
	case "win ", "qem2", "d2v ", "CTXS", "tap\x00":
		return true
	}
	return f.Geometry.Sectors() == maxGeometrySectors
}
