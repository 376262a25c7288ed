package info

import (
	"fmt"
	"io"

	"github.com/instar-go/instar/formats/vmdk"
)

// parseVMDK describes a VMDK as vmdk_get_specific_info and vmdk_get_info
// show it.
//
// A descriptor that names sparse extents in other files
// (twoGbMaxExtentSparse) is refused: qemu-img reads each extent file's own
// header for its grain size, and formats/vmdk cannot read a bare extent
// file yet, so the description would be wrong.
func parseVMDK(r io.ReaderAt, size int64) (*Image, error) {
	img, err := vmdk.Parse(r, size)
	if err != nil {
		return nil, err
	}
	in := img.Info()
	for _, x := range in.Extents {
		if !x.Flat && x.Filename != "" {
			return nil, fmt.Errorf("%w: the descriptor names %s extent %q in another file, whose header instar cannot read yet (createType %q)", ErrUnsupportedFeature, x.Format, x.Filename, in.CreateType)
		}
	}
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
