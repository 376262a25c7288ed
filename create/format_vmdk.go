package create

import (
	"errors"
	"fmt"
	"io"

	"github.com/instar-go/instar/formats/vmdk"
)

// lookupVMDK reads a VMDK backing: a sparse or streamOptimized extent (size
// from its header, CID from the embedded descriptor) or a descriptor file
// (size the sum of its extent lines).
func lookupVMDK(r io.ReaderAt, size int64, b *BackingInfo) error {
	img, err := vmdk.Parse(r, size)
	if err != nil {
		return parseFailure(VMDK, err, vmdk.ErrUnsupported)
	}
	info := img.Info()
	b.VirtualSize, b.ClusterSize = info.VirtualSize, info.ClusterSize
	b.Subformat, b.CID = info.CreateType, info.CID
	b.parent = info
	return nil
}

// vmdkOptions converts the option model to the vmdk package's.
func vmdkOptions(o *Options, req *Request, size int64) (vmdk.Options, error) {
	sub, err := vmdk.ParseSubformat(orDefault(o.Subformat, vmdk.MonolithicSparse.String()))
	if err != nil {
		return vmdk.Options{}, wrapError(InvalidOption, "Invalid vmdk subformat", err)
	}
	at, err := vmdk.ParseAdapterType(orDefault(o.AdapterType, vmdk.AdapterIDE.String()))
	if err != nil {
		return vmdk.Options{}, wrapError(InvalidOption, "Invalid vmdk adapter_type", err)
	}
	return vmdk.Options{
		Size:         size,
		FileName:     req.Filename,
		Subformat:    sub,
		AdapterType:  at,
		HWVersion:    o.HWVersion,
		Compat6:      o.Compat6,
		ToolsVersion: o.ToolsVersion,
		ZeroedGrain:  o.ZeroedGrain,
		BackingFile:  o.BackingFile,
	}, nil
}

// planVMDK plans a monolithicSparse or streamOptimized VMDK. A child of a
// VMDK backing records its CID as parentCID; with -u (backing not read) it
// records "no parent CID", the value qemu writes for an unreadable parent.
func planVMDK(o *Options, req *Request, size int64, b *BackingInfo) (*plan, int64, error) {
	opts, err := vmdkOptions(o, req, size)
	if err != nil {
		return nil, 0, err
	}
	if b != nil {
		if b.Format != VMDK {
			return nil, 0, parentMismatch(VMDK, b)
		}
		cid := b.CID
		opts.ParentCID = &cid
	}
	p, err := vmdk.PlanImage(opts)
	if err != nil {
		return nil, 0, vmdkPlanError(err)
	}
	out := &plan{size: p.Size, virtualSize: p.VirtualSize}
	for _, e := range p.Extents {
		// vmdk's Fill takes an offset relative to its extent.
		out.extents = append(out.extents, extent{offset: e.Offset, length: e.Length, data: e.Data, fill: e.Fill})
	}
	return out, vmdk.GrainSize, nil
}

// vmdkPlanError maps vmdk.PlanImage's sentinels to codes.
func vmdkPlanError(err error) error {
	var oe *vmdk.OptionError
	isBacking := errors.As(err, &oe) && oe.Option == keyBackingFile
	switch {
	case errors.Is(err, vmdk.ErrTooLarge):
		return wrapError(InvalidSize, fmt.Sprintf("Image size is too large for vmdk: the maximum is %d bytes", int64(vmdk.MaxVirtualSize)), err)
	case errors.Is(err, vmdk.ErrPathNotRepresentable) && isBacking:
		return wrapError(ParentPathNotRepresentable, "The backing file name cannot be written into a VMDK descriptor", err)
	case errors.Is(err, vmdk.ErrPathNotRepresentable):
		return wrapError(InvalidOption, "A name cannot be written into a VMDK descriptor", err)
	case errors.Is(err, vmdk.ErrMultiFile), errors.Is(err, vmdk.ErrInvalidOption):
		return wrapError(InvalidOption, "Invalid vmdk option", err)
	}
	return wrapError(Internal, "vmdk planning failed", err)
}

// vmdkCeiling is the vmdk row: 2^32 − 512 grains of 64 KiB, beyond which
// qemu-img's grain-table count wraps.
func vmdkCeiling(*Options) ceilingRow {
	return ceilingRow{max: vmdk.MaxVirtualSize, what: "vmdk", hint: "try a format with more headroom (qcow2), or pass an explicit SIZE that fits"}
}
