package vhd

// Limits qemu 7.2 applies to vpc images (block/vpc.c).
const (
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
