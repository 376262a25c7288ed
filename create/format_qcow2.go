package create

import (
	"errors"
	"fmt"
	"io"

	"github.com/instar-go/instar/formats/qcow2"
)

// lookupQcow2 reads a qcow2 backing's header. An image with incompatible
// features qemu-img does not know is refused as not sizeable, as qemu-img
// refuses to open it.
func lookupQcow2(r io.ReaderAt, size int64, b *BackingInfo) error {
	img, err := qcow2.Parse(r, size)
	if err != nil {
		return parseFailure(Qcow2, err, qcow2.ErrUnsupportedFeature)
	}
	info := img.Info()
	b.VirtualSize, b.ClusterSize = info.VirtualSize, info.ClusterSize
	b.parent = info
	return nil
}

// qcow2Options converts the option model to the qcow2 package's.
func qcow2Options(o *Options, size int64) (qcow2.Options, error) {
	compat, err := qcow2.ParseCompat(o.Compat)
	if err != nil {
		return qcow2.Options{}, wrapError(InvalidOption, "Invalid qcow2 compat", err)
	}
	ct, err := qcow2.ParseCompressionType(o.CompressionType)
	if err != nil {
		return qcow2.Options{}, wrapError(InvalidOption, "Invalid qcow2 compression_type", err)
	}
	return qcow2.Options{
		Size:            size,
		ClusterSize:     o.ClusterSize,
		RefcountBits:    o.RefcountBits,
		ExtendedL2:      o.ExtendedL2,
		LazyRefcounts:   o.LazyRefcounts,
		Compat:          compat,
		CompressionType: ct,
		BackingFile:     o.BackingFile,
		BackingFormat:   string(o.BackingFormat),
		// The two enums share qemu's order (off, metadata, falloc, full).
		Preallocation: qcow2.Preallocation(o.Preallocation),
	}, nil
}

// planQcow2 plans a qcow2 image; the child records the backing name and the
// format the user asserted, and only that immediate parent.
func planQcow2(o *Options, _ *Request, size int64, _ *BackingInfo) (*plan, int64, error) {
	opts, err := qcow2Options(o, size)
	if err != nil {
		return nil, 0, err
	}
	p, err := qcow2.PlanImage(opts)
	if err != nil {
		return nil, 0, qcow2PlanError(err)
	}
	out := &plan{size: p.Size}
	for _, e := range p.Extents {
		// qcow2's Fill takes an offset relative to its extent.
		out.extents = append(out.extents, extent{offset: e.Offset, length: e.Length, data: e.Data, fill: e.Fill})
	}
	for _, r := range p.Preallocate {
		out.prealloc = append(out.prealloc, Range{Offset: r.Offset, Length: r.Length})
	}
	return out, o.ClusterSize, nil
}

// qcow2PlanError maps qcow2.PlanImage's sentinels to codes.
func qcow2PlanError(err error) error {
	switch {
	case errors.Is(err, qcow2.ErrTooLarge):
		return wrapError(InvalidSize, "Image size is too large for qcow2 with this cluster size (try using a larger cluster size)", err)
	case errors.Is(err, qcow2.ErrInvalidOption), errors.Is(err, qcow2.ErrUnsupportedOption):
		return wrapError(InvalidOption, "Invalid qcow2 option", err)
	}
	return wrapError(Internal, "qcow2 planning failed", err)
}

// qcow2Ceiling is the qcow2 row: the L1 table's cap for the cluster size.
func qcow2Ceiling(o *Options) ceilingRow {
	hint := hintLargerCluster
	if o.ClusterSize >= qcow2.MaxClusterSize {
		hint = hintExplicitSize
	}
	return ceilingRow{
		max:  qcow2.MaxVirtualSize(o.ClusterSize, o.ExtendedL2),
		what: fmt.Sprintf("qcow2 with cluster_size=%d extended_l2=%s", o.ClusterSize, onOff(o.ExtendedL2)),
		hint: hint,
	}
}

// onOff spells a boolean as qemu does.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
