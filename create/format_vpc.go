package create

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/instar-go/instar/formats/vhd"
)

// lookupVPC reads a VHD backing: size from the footer (dynamic or fixed),
// identity from the footer's UUID and time stamp.
func lookupVPC(r io.ReaderAt, size int64, b *BackingInfo) error {
	img, err := vhd.Parse(r, size)
	if err != nil {
		return parseFailure(VPC, err, vhd.ErrUnsupported)
	}
	info := img.Info()
	if info.DiskType == vhd.DiskTypeDifferencing {
		return newError(BackingDifferencing, "The backing file is a differencing VHD; use its parent, or convert it to a standalone image first")
	}
	b.VirtualSize, b.ClusterSize = info.VirtualSize, info.ClusterSize
	b.Subformat = "dynamic"
	if info.DiskType == vhd.DiskTypeFixed {
		b.Subformat = "fixed"
	}
	b.UUID, b.Timestamp = info.UUID, uint32(info.Timestamp)
	b.parent = info
	return nil
}

// planVPC plans a fixed or dynamic VHD, or a differencing child of a VHD
// backing (which qemu-img cannot make).
func planVPC(o *Options, req *Request, size int64, b *BackingInfo) (*plan, int64, error) {
	sub, err := vhd.ParseSubformat(orDefault(o.Subformat, "dynamic"))
	if err != nil {
		return nil, 0, wrapError(InvalidOption, "Invalid vpc subformat", err)
	}
	opts := vhd.Options{Size: size, Subformat: sub, ForceSize: o.ForceSize}
	if o.BackingFile != "" {
		info, ok := b.vpcParent()
		if !ok {
			return nil, 0, parentMismatch(VPC, b)
		}
		opts.Parent = &vhd.Parent{Info: info, Name: o.BackingFile, AbsolutePath: req.BackingAbsolutePath}
		if !filepath.IsAbs(o.BackingFile) {
			opts.Parent.RelativePath = o.BackingFile
		}
		if !o.SizeGiven {
			opts.Size = 0 // the parent's size, exactly
		}
	}
	p, err := vhd.PlanImage(opts)
	if err != nil {
		return nil, 0, vpcPlanError(err)
	}
	unit := int64(0)
	if sub == vhd.SubformatDynamic || opts.Parent != nil {
		unit = vhd.DefaultBlockSize
	}
	out := &plan{size: p.Size}
	for _, e := range p.Extents {
		out.extents = append(out.extents, extent{offset: e.Offset, length: e.Length, data: e.Data, fill: e.Fill})
	}
	// The virtual size is the CHS geometry's unless force_size: read it
	// back from the planned footer with the package's own parser.
	img, err := vhd.Parse(planReader{out}, out.size)
	if err != nil {
		return nil, 0, wrapError(Internal, "the planned vpc image does not parse", err)
	}
	out.virtualSize = img.Info().VirtualSize
	return out, unit, nil
}

// vpcParent returns the VHD Info of a VHD backing.
func (b *BackingInfo) vpcParent() (vhd.Info, bool) {
	if b == nil {
		return vhd.Info{}, false
	}
	info, ok := b.parent.(vhd.Info)
	return info, ok
}

// vpcPlanError maps vhd.PlanImage's sentinels to codes.
func vpcPlanError(err error) error {
	switch {
	case errors.Is(err, vhd.ErrParentName):
		return wrapError(ParentNameTooLong, "The backing file name does not fit the VHD parent name field", err)
	case errors.Is(err, vhd.ErrParentPath):
		return wrapError(ParentPathNotRepresentable, "The backing file path cannot be recorded in a VHD parent locator", err)
	case errors.Is(err, vhd.ErrParentSize):
		return wrapError(ParentSizeMismatch, "A differencing VHD has its parent's size", err)
	case errors.Is(err, vhd.ErrTooLarge):
		return wrapError(InvalidSize, fmt.Sprintf("Image size is too large for vpc: the maximum is %d bytes", vhd.MaxVirtualSize), err)
	case errors.Is(err, vhd.ErrInvalidOption):
		return wrapError(InvalidOption, "Invalid vpc option", err)
	}
	return wrapError(Internal, "vpc planning failed", err)
}

// parentMismatch is the error for a differencing target whose backing is of
// another format (or was not read, with -u).
func parentMismatch(target Format, b *BackingInfo) error {
	if b == nil {
		return newError(ParentFormatMismatch, fmt.Sprintf("A differencing %s image records its parent's identity, so the backing file must be read: drop -u", target))
	}
	return newError(ParentFormatMismatch, fmt.Sprintf("A differencing %s image needs a %s backing file, but the backing file's bytes are %s", target, target, b.Format))
}

// orDefault returns v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
