package create

import (
	"fmt"
	"io"
)

// planner turns validated options, the rounded virtual size and the backing
// (nil without one) into a plan, and reports the image's allocation unit.
type planner func(o *Options, req *Request, size int64, b *BackingInfo) (p *plan, unit int64, err error)

// planners holds one entry per target format (every Format).
var planners = map[Format]planner{
	Raw:   planRaw,
	Qcow2: planQcow2,
	VMDK:  planVMDK,
	VPC:   planVPC,
	VHDX:  planVHDX,
}

// Create makes the image a request describes, in-process: it validates the
// request ([ParseRequest]), reads the backing's format, size and identity
// from backing (backingSize bytes; nil, or a negative size, when there is
// none or with -u), checks the ceiling table, plans the image with the
// format package and writes the plan to out, which must be empty. It opens no file and resolves no path,
// so it runs unchanged in the sandbox guest.
//
// Data preallocation is left to the host: the Result lists the ranges and
// the mode for [Preallocate]. Every error is an *Error (or a list of them)
// with a stable [Code].
func Create(req *Request, backing io.ReaderAt, backingSize int64, out io.WriterAt) (*Result, error) {
	o, err := ParseRequest(req)
	if err != nil {
		return nil, err
	}
	if o.Help {
		return nil, newError(InvalidOption, fmt.Sprintf("-o help lists the options of %s; no image was created", o.Format))
	}
	plan := planners[o.Format]
	res := &Result{Format: o.Format, Warnings: append([]string(nil), o.Warnings...)}

	var b *BackingInfo
	if o.BackingFile != "" && !o.Unsafe {
		if backing == nil || backingSize < 0 {
			return nil, newError(BackingReadFailed, fmt.Sprintf("Could not open backing image '%s': no backing file was passed in", o.BackingFile))
		}
		b, err = LookupBacking(backing, backingSize)
		if err != nil {
			return nil, err
		}
		res.Backing = b
		res.Warnings = append(res.Warnings, b.Warnings...)
		if b.Format != o.BackingFormat {
			res.Warnings = append(res.Warnings, fmt.Sprintf("Backing file '%s' was given as %s but its bytes are %s; its size was read as %s and the image records backing_fmt=%s", o.BackingFile, o.BackingFormat, b.Format, b.Format, o.BackingFormat))
		}
	}

	size := o.Size
	if !o.SizeGiven {
		size = b.VirtualSize
		if err := checkBackingSize(o, size); err != nil {
			return nil, err
		}
	}
	vsize, err := RoundToSector(size)
	if err != nil {
		return nil, newError(InvalidSize, fmt.Sprintf("Image size %d cannot be rounded up to a multiple of %d", size, SectorSize))
	}
	res.Formatting = o.formatting(size)

	p, unit, err := plan(o, req, vsize, b)
	if err != nil {
		return nil, err
	}
	res.VirtualSize, res.ClusterSize, res.FileSize = vsize, unit, p.size
	if p.virtualSize != 0 {
		res.VirtualSize = p.virtualSize
	}
	if o.Preallocation == PreallocFalloc || o.Preallocation == PreallocFull {
		res.Preallocation, res.Preallocate = o.Preallocation, p.prealloc
	}
	n, err := applyPlan(out, p)
	res.BytesWritten = n
	if err != nil {
		return nil, err
	}
	return res, nil
}

// planRaw plans a raw image: a sparse file of the virtual size, with the
// whole file left to the host's preallocation.
func planRaw(o *Options, _ *Request, size int64, _ *BackingInfo) (*plan, int64, error) {
	return &plan{size: size, prealloc: []Range{{Offset: 0, Length: size}}}, 0, nil
}
