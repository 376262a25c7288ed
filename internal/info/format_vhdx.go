package info

import (
	"fmt"
	"io"

	"github.com/instar-go/instar/formats/vhdx"
)

// parseVHDX describes a VHDX: qemu shows the virtual size and the block
// size as cluster_size. An image whose log needs replaying is refused, as
// qemu-img refuses to open it read-only. A differencing VHDX, which qemu-img
// cannot open at all, is shown like a dynamic one without its parent, the
// way qemu-img shows a differencing VHD.
func parseVHDX(r io.ReaderAt, size int64) (*Image, error) {
	img, err := vhdx.Parse(r, size)
	if err != nil {
		return nil, err
	}
	in := img.Info()
	if in.NeedsLogReplay {
		return nil, fmt.Errorf("%w: the VHDX log holds updates not yet applied, and qemu-img refuses to open such an image read-only; replay it with `qemu-img check -r all -f vhdx FILE` first", ErrLogReplay)
	}
	if in.VirtualSize > 1<<63-1 {
		return nil, fmt.Errorf("%w: VHDX virtual size %d does not fit a signed 64-bit size", ErrInvalidImage, in.VirtualSize)
	}
	return &Image{
		Format:       vhdx.FormatName,
		VirtualSize:  int64(in.VirtualSize),
		ClusterSize:  int64(in.ClusterSize),
		HasDirtyFlag: true,
	}, nil
}
