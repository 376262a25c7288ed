package info

import (
	"fmt"
	"io"

	"github.com/instar-go/instar/formats/qcow2"
)

// parseQcow2 describes a qcow2 image as qcow2_get_specific_info and
// qcow2_get_info show it.
//
// Three things qemu-img shows are not read by formats/qcow2 yet, so images
// that have them are refused rather than shown incompletely: internal
// snapshots (qemu-img prints a "Snapshot list"), encryption (qemu-img
// prints "encrypted: yes" and the encryption header) and persistent dirty
// bitmaps (a "bitmaps" list, shown when the bitmaps extension is present
// and its autoclear bit says it is consistent).
func parseQcow2(r io.ReaderAt, size int64) (*Image, error) {
	img, err := qcow2.Parse(r, size)
	if err != nil {
		return nil, err
	}
	in := img.Info()
	if in.Snapshots > 0 {
		return nil, fmt.Errorf("%w: the image has %d internal snapshots, which instar cannot list yet (qemu-img snapshot -l shows them)", ErrUnsupportedFeature, in.Snapshots)
	}
	if hasBitmaps(img) {
		return nil, fmt.Errorf("%w: the image has persistent dirty bitmaps, which instar cannot list yet (qemu-img info shows them)", ErrUnsupportedFeature)
	}
	if in.Encrypted {
		return nil, fmt.Errorf("%w: the image is encrypted, and instar cannot describe the encryption header yet", ErrUnsupportedFeature)
	}
	spec := &Qcow2Specific{
		Compat:          in.Compat.String(),
		CompressionType: in.CompressionType.String(),
		RefcountBits:    int64(in.RefcountBits),
		DataFile:        in.DataFile,
		DataFileRaw:     in.DataFileRaw,
	}
	if spec.Compat == qcow2CompatV3 {
		spec.LazyRefcounts, spec.Corrupt, spec.ExtendedL2 = in.LazyRefcounts, in.Corrupt, in.ExtendedL2
	}
	return &Image{
		Format: qcow2.FormatName,
		// qemu keeps the size in whole sectors, dropping a partial one.
		VirtualSize:     in.VirtualSize &^ (sectorSize - 1),
		ClusterSize:     in.ClusterSize,
		HasDirtyFlag:    true,
		Dirty:           in.Dirty,
		BackingFilename: in.BackingFile,
		BackingFormat:   in.BackingFormat,
		Qcow2:           spec,
	}, nil
}

// hasBitmaps reports whether qemu would read the image's bitmaps extension.
func hasBitmaps(img *qcow2.Image) bool {
	if img.Header.Autoclear&qcow2.AutoclearBitmaps == 0 {
		return false
	}
	for _, e := range img.Extensions {
		if e.Type == qcow2.ExtBitmaps {
			return true
		}
	}
	return false
}
