package vhd

import "fmt"

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
