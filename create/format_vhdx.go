package create

import (
	"errors"
	"fmt"
	"io"

	"github.com/instar-go/instar/formats/vhdx"
)

// lookupVHDX reads a VHDX backing through header, region table and metadata
// (the vhdx package's Parse); its identity is the active DataWriteGuid.
func lookupVHDX(r io.ReaderAt, size int64, b *BackingInfo) error {
	img, err := vhdx.Parse(r, size)
	if err != nil {
		return parseFailure(VHDX, err, vhdx.ErrUnsupported)
	}
	info := img.Info()
	switch {
	case info.DiskType == vhdx.DiskDifferencing:
		return newError(BackingDifferencing, "The backing file is a differencing VHDX; use its parent, or convert it to a standalone image first")
	case info.NeedsLogReplay:
		return newError(BackingNotSizeable, "The VHDX backing file has a log that must be replayed before its size can be trusted; run qemu-img check -r all on it (or open it in Hyper-V) first")
	case info.VirtualSize > MaxSize:
		return newError(BackingNotSizeable, fmt.Sprintf("The VHDX backing file claims a virtual size of %d bytes, beyond 63 bits", info.VirtualSize))
	}
	b.VirtualSize, b.ClusterSize = int64(info.VirtualSize), int64(info.ClusterSize)
	b.Subformat = info.DiskType.String()
	b.DataWriteGUID = info.DataWriteGUID
	b.Warnings = append(b.Warnings, img.Warnings...)
	b.parent = info
	return nil
}

// vhdxOptions converts the option model to the vhdx package's.
func vhdxOptions(o *Options, size int64) (vhdx.Options, error) {
	sub, err := vhdx.ParseSubformat(orDefault(o.Subformat, "dynamic"))
	if err != nil {
		return vhdx.Options{}, wrapError(InvalidOption, "Invalid vhdx subformat", err)
	}
	opts := vhdx.Options{Size: uint64(size), BlockSize: uint64(o.BlockSize), LogSize: uint64(o.LogSize), Subformat: sub}
	if _, ok := o.given[keyBlockStateZero]; ok {
		bsz := o.BlockStateZero
		opts.BlockStateZero = &bsz
	}
	return opts, nil
}

// planVHDX plans a dynamic or fixed VHDX, or a differencing child of a VHDX
// backing (which qemu-img cannot make).
func planVHDX(o *Options, _ *Request, size int64, b *BackingInfo) (*plan, int64, error) {
	opts, err := vhdxOptions(o, size)
	if err != nil {
		return nil, 0, err
	}
	if o.BackingFile != "" {
		info, ok := b.vhdxParent()
		if !ok {
			return nil, 0, parentMismatch(VHDX, b)
		}
		if o.SizeGiven && uint64(size) != info.VirtualSize {
			return nil, 0, newError(ParentSizeMismatch, fmt.Sprintf("A differencing VHDX has its parent's size (%d bytes); SIZE %d differs, omit it", info.VirtualSize, size))
		}
		opts.Size = info.VirtualSize
		opts.Parent = &vhdx.Parent{DataWriteGUID: info.DataWriteGUID, RelativePath: o.BackingFile}
	}
	p, err := vhdx.PlanImage(opts)
	if err != nil {
		return nil, 0, vhdxPlanError(err)
	}
	unit, err := vhdx.ResolveBlockSize(opts.BlockSize, opts.Size)
	if err != nil {
		return nil, 0, vhdxPlanError(err)
	}
	out := &plan{size: p.Size}
	for _, e := range p.Extents {
		out.extents = append(out.extents, extent{offset: e.Offset, length: e.Length, data: e.Data, fill: e.Fill})
	}
	return out, int64(unit), nil
}

// vhdxParent returns the VHDX Info of a VHDX backing.
func (b *BackingInfo) vhdxParent() (vhdx.Info, bool) {
	if b == nil {
		return vhdx.Info{}, false
	}
	info, ok := b.parent.(vhdx.Info)
	return info, ok
}

// vhdxPlanError maps vhdx option errors to codes.
func vhdxPlanError(err error) error {
	switch {
	case errors.Is(err, vhdx.ErrPathNotRepresentable):
		return wrapError(ParentPathNotRepresentable, "The backing file path cannot be recorded in a VHDX parent locator", err)
	case errors.Is(err, vhdx.ErrTooLarge):
		return wrapError(InvalidSize, fmt.Sprintf("Image size too large; max of 64TB (%d bytes)", int64(vhdx.MaxVirtualSize)), err)
	case errors.Is(err, vhdx.ErrInvalidOption):
		return wrapError(InvalidOption, "Invalid vhdx option", err)
	}
	return wrapError(Internal, "vhdx planning failed", err)
}
