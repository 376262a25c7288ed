package info

import (
	"io"

	"github.com/instar-go/instar/formats/vhd"
)

// parseVPC describes a VHD. qemu's vpc driver shows the virtual size and,
// for dynamic and differencing disks, the block size as cluster_size; it
// reads a differencing disk like a dynamic one and shows no backing file, so
// neither does this.
func parseVPC(r io.ReaderAt, size int64) (*Image, error) {
	img, err := vhd.Parse(r, size)
	if err != nil {
		return nil, err
	}
	in := img.Info()
	return &Image{
		Format:       vhd.FormatName,
		VirtualSize:  in.VirtualSize,
		ClusterSize:  in.ClusterSize,
		HasDirtyFlag: true,
	}, nil
}
