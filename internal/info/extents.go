package info

import (
	"fmt"
	"math"
)

// CompleteExtents fills in what a VMDK descriptor cannot say about the
// sparse extents it names in other files (twoGbMaxExtentSparse, the
// extents marked NeedsHeader): qemu reads each such file's own header for
// the extent's size, grain size and compression, and so must the host. For
// each of those extents it calls inspect with the extent file (its stored
// name and its host path, as ExtentFiles gives them); the host implements
// inspect by opening that file and running Inspect on it with format
// FormatSparseExtent in the sandbox, and returns the validated Image. The image's virtual size,
// cluster size and dirty-flag presence are then recomputed as qemu does,
// and the result validated again.
//
// Only descriptors whose extents are all uncompressed sparse extent files
// (what qemu-img creates) are completed; a mixture with flat extents or a
// compressed extent file is refused (ErrUnsupportedFeature), because
// qemu-img 7.2 lists some extents of those twice.
//
// For any other image it does nothing and never calls inspect.
func (im *Image) CompleteExtents(imageFilename string, inspect func(x ExtentFile) (*Image, error)) error {
	if im.VMDK == nil {
		return nil
	}
	need := 0
	for _, x := range im.VMDK.Extents {
		if x.NeedsHeader {
			need++
		}
	}
	if need == 0 {
		return nil
	}
	if need != len(im.VMDK.Extents) {
		// Seen with qemu-img 7.2: after a flat extent, or before a
		// compressed one, an extent is listed twice and counted twice in
		// the virtual size. Only descriptors of sparse extent files alone
		// (what qemu-img creates) are shown reliably.
		return fmt.Errorf("%w: the descriptor mixes sparse extent files with other extents, which qemu-img 7.2 lists inconsistently (an extent twice)", ErrUnsupportedFeature)
	}
	changed := false
	for i := range im.VMDK.Extents {
		x := &im.VMDK.Extents[i]
		if !x.NeedsHeader {
			continue
		}
		path := resolveName(imageFilename, x.Filename)
		ext, err := inspect(ExtentFile{Name: x.Filename, Path: path})
		if err != nil {
			return fmt.Errorf("vmdk extent file %s: %w", path, err)
		}
		if ext == nil || ext.VMDK == nil || len(ext.VMDK.Extents) != 1 ||
			ext.VMDK.Extents[0].Filename != "" || ext.VMDK.Extents[0].Flat || ext.VMDK.Extents[0].NeedsHeader {
			return fmt.Errorf("%w: vmdk extent file %s is not a sparse extent", ErrInvalidImage, path)
		}
		own := ext.VMDK.Extents[0]
		if own.Compressed {
			return fmt.Errorf("%w: vmdk extent file %s is compressed (streamOptimized), which qemu-img 7.2 lists twice in a descriptor", ErrUnsupportedFeature, path)
		}
		x.VirtualSize, x.ClusterSize, x.NeedsHeader = own.VirtualSize, own.ClusterSize, false
		changed = true
	}
	if !changed {
		return nil
	}
	// qemu's virtual size is the sum of the extents as opened.
	var total int64
	for _, x := range im.VMDK.Extents {
		if x.VirtualSize > math.MaxInt64-total {
			return fmt.Errorf("%w: vmdk extents add up to more than 2^63 bytes", ErrInvalidImage)
		}
		total += x.VirtualSize
	}
	im.VirtualSize = total
	im.setVMDKDriverInfo()
	return im.Validate()
}
