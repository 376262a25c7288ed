package info

import (
	"fmt"

	"github.com/instar-go/instar/formats/vmdk"
)

// Bounds Validate enforces on an Image decoded from the guest. They are
// exactly what Inspect can return, no more: the largest Image they admit
// must still fit in one sandbox result (abi.MaxResultSize), which the abi
// package's tests check by building it.
const (
	// MaxNameLen bounds the backing file name, backing format, qcow2 data
	// file and VMDK create type: PATH_MAX.
	MaxNameLen = 4096
	// MaxExtents bounds the VMDK extent list: the most extent lines the
	// vmdk parser reads from a descriptor (2 TiB of twoGbMaxExtent
	// extents). qemu itself has no count, only its 1 MiB descriptor.
	MaxExtents = vmdk.MaxExtents
	// MaxExtentNameLen bounds a VMDK extent file name: qemu reads at most
	// 511 bytes of it (its %511[^"] conversion), and so does the parser.
	MaxExtentNameLen = vmdk.MaxExtentFileNameLen
	// MaxExtentFormatLen bounds a VMDK extent type: qemu reads it with
	// %10s, and the longest type it opens is VMFSSPARSE.
	MaxExtentFormatLen = 10
	// maxClusterSize bounds cluster and block sizes (VHD block sizes are
	// 32-bit; qcow2 and VHDX stay far below).
	maxClusterSize = 1 << 32
)

// Validate checks that the Image is one Inspect could have returned: a
// known format, sizes in range, names and lists within the bounds above,
// format-specific data only for its own format. The host calls it on every
// Image it decodes from the guest before rendering or following a backing
// name.
func (im *Image) Validate() error {
	v := validator{}
	v.check(im)
	if v.err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidImage, v.err)
	}
	return nil
}

// validator accumulates the first problem.
type validator struct {
	err error
}

func (v *validator) fail(format string, args ...any) {
	if v.err == nil {
		v.err = fmt.Errorf(format, args...)
	}
}

// name checks one string field.
func (v *validator) name(field, s string, max int) {
	if len(s) > max {
		v.fail("%s is %d bytes long, more than %d", field, len(s), max)
	}
}

func (v *validator) size(field string, n, max int64) {
	if n < 0 || n > max {
		v.fail("%s %d is out of range [0, %d]", field, n, max)
	}
}

func (v *validator) check(im *Image) {
	if _, ok := parserFor(im.Format); !ok || im.Format == FormatSparseExtent {
		v.fail("unknown format %q", im.Format)
		return
	}
	v.size("virtual size", im.VirtualSize, 1<<63-1)
	v.size("cluster size", im.ClusterSize, maxClusterSize)
	v.name("backing filename", im.BackingFilename, MaxNameLen)
	v.name("backing format", im.BackingFormat, MaxNameLen)
	if im.BackingFilename != "" && im.Format != formatQcow2 && im.Format != formatVMDK {
		// Only these formats have backing files for qemu; a guest claiming
		// one elsewhere would steer the host's --backing-chain walk.
		v.fail("a %s image with a backing file", im.Format)
	}
	if im.BackingFormat != "" && im.BackingFilename == "" {
		v.fail("backing format %q without a backing filename", im.BackingFormat)
	}
	if (im.Format == formatQcow2) != (im.Qcow2 != nil) || (im.Format == formatVMDK) != (im.VMDK != nil) {
		v.fail("a %s image must carry exactly its own format-specific details", im.Format)
	}
	if im.Qcow2 != nil {
		if im.Format != formatQcow2 {
			v.fail("qcow2 details on a %s image", im.Format)
		}
		v.qcow2(im.Qcow2)
	}
	if im.VMDK != nil {
		if im.Format != formatVMDK {
			v.fail("vmdk details on a %s image", im.Format)
		}
		v.vmdk(im.VMDK)
	}
}

func (v *validator) qcow2(q *Qcow2Specific) {
	if q.Compat != qcow2CompatV2 && q.Compat != qcow2CompatV3 {
		v.fail("qcow2 compat %q is neither %s nor %s", q.Compat, qcow2CompatV2, qcow2CompatV3)
	}
	if q.CompressionType != "zlib" && q.CompressionType != "zstd" {
		v.fail("qcow2 compression type %q is neither zlib nor zstd", q.CompressionType)
	}
	v.size("qcow2 refcount bits", q.RefcountBits, 64)
	v.name("qcow2 data file", q.DataFile, MaxNameLen)
}

func (v *validator) vmdk(d *VMDKSpecific) {
	v.name("vmdk create type", d.CreateType, MaxNameLen)
	if len(d.Extents) == 0 {
		v.fail("a vmdk image without extents")
	}
	if len(d.Extents) > MaxExtents {
		v.fail("%d vmdk extents, more than %d", len(d.Extents), MaxExtents)
		return
	}
	for i, e := range d.Extents {
		v.name(fmt.Sprintf("vmdk extent %d filename", i), e.Filename, MaxExtentNameLen)
		v.name(fmt.Sprintf("vmdk extent %d format", i), e.Format, MaxExtentFormatLen)
		v.size(fmt.Sprintf("vmdk extent %d virtual size", i), e.VirtualSize, 1<<63-1)
		v.size(fmt.Sprintf("vmdk extent %d cluster size", i), e.ClusterSize, maxClusterSize)
	}
}
