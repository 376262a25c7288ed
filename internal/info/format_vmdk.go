package info

import (
	"fmt"
	"io"
	"math"

	"github.com/instar-go/instar/formats/vmdk"
)

// parseVMDK describes a VMDK as vmdk_get_specific_info and vmdk_get_info
// show it. Sparse extents a descriptor names in other files
// (twoGbMaxExtentSparse) are marked NeedsHeader: qemu-img reads their
// sizes from each file's own header, which the host has parsed with
// CompleteExtents before the image can be rendered.
func parseVMDK(r io.ReaderAt, size int64) (*Image, error) {
	img, err := vmdk.Parse(r, size)
	if err != nil {
		return nil, err
	}
	in := img.Info()
	spec := &VMDKSpecific{CreateType: in.CreateType, CID: in.CID, ParentCID: in.ParentCID,
		Extents: make([]VMDKExtent, len(in.Extents))}
	for i, x := range in.Extents {
		spec.Extents[i] = VMDKExtent{
			Filename:    x.Filename,
			Format:      x.Format,
			VirtualSize: x.VirtualSize,
			Flat:        x.Flat,
			ClusterSize: x.ClusterSize,
			Compressed:  x.Compressed,
			NeedsHeader: !x.Flat && x.Filename != "",
		}
	}
	im := &Image{
		Format:          vmdk.FormatName,
		VirtualSize:     in.VirtualSize,
		BackingFilename: in.BackingFilename,
		BackingFormat:   in.BackingFormat,
		VMDK:            spec,
	}
	im.setVMDKDriverInfo()
	return im, nil
}

// FormatSparseExtent is the format name that makes Inspect read a bare
// VMDK sparse extent file (one extent of a twoGbMaxExtentSparse
// descriptor, which has no descriptor of its own). It is what the host
// passes when CompleteExtents asks it to inspect an extent file.
const FormatSparseExtent = "vmdk-sparse-extent"

// parseSparseExtent describes a bare sparse extent file as a VMDK with one
// extent: the file itself, with the capacity, grain size and compression of
// its header, which is what qemu shows for that extent of the descriptor.
func parseSparseExtent(r io.ReaderAt, size int64) (*Image, error) {
	h, _, err := vmdk.ParseSparseExtent(r, size)
	if err != nil {
		return nil, err
	}
	if h.Capacity > math.MaxInt64/vmdk.SectorSize || h.GrainSize > math.MaxInt64/vmdk.SectorSize {
		return nil, fmt.Errorf("%w: sparse extent capacity %d or grain size %d sectors overflows", ErrInvalidImage, h.Capacity, h.GrainSize)
	}
	x := VMDKExtent{
		VirtualSize: int64(h.Capacity) * vmdk.SectorSize,
		ClusterSize: int64(h.GrainSize) * vmdk.SectorSize,
		Compressed:  h.Compression == vmdk.CompressionDeflate,
	}
	im := &Image{Format: vmdk.FormatName, VirtualSize: x.VirtualSize,
		VMDK: &VMDKSpecific{ParentCID: vmdk.NoParentCID, Extents: []VMDKExtent{x}}}
	im.setVMDKDriverInfo()
	return im, nil
}

// setVMDKDriverInfo derives what qemu's vmdk_get_info reports from the
// extents: when all extents are of one kind (flat or not, compressed or
// not, and the same grain size when sparse) the dirty flag is shown, and the
// first extent's grain size is the cluster size unless it is flat; when they
// differ qemu shows neither.
func (im *Image) setVMDKDriverInfo() {
	x := im.VMDK.Extents
	im.HasDirtyFlag, im.ClusterSize = false, 0
	if len(x) == 0 {
		return
	}
	for _, e := range x[1:] {
		if e.Flat != x[0].Flat || e.Compressed != x[0].Compressed || (!e.Flat && e.ClusterSize != x[0].ClusterSize) {
			return
		}
	}
	im.HasDirtyFlag = true
	if !x[0].Flat {
		im.ClusterSize = x[0].ClusterSize
	}
}
