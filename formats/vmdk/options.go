package vmdk

import (
	"fmt"
	"strings"
)

// Limits of qemu-img 7.2's vmdk driver that PlanImage enforces, for a
// caller validating `-o` options the same way.
const (
	// MinVirtualSize is the smallest virtual size PlanImage plans. qemu-img
	// 7.2 creates a 0-byte vmdk but cannot open it afterwards ("Unsupported
	// image type 'monolithicSparse'": a zero capacity reads as a pointer
	// to a descriptor file), so instar refuses size 0.
	MinVirtualSize = SectorSize

	// MaxVirtualSize is the largest virtual size for which qemu-img 7.2
	// writes a consistent monolithicSparse or streamOptimized image:
	// 2^32 − 512 grains of 64 KiB (256 TiB − 32 MiB). qemu-img accepts
	// larger sizes, but it rounds the grain-table count up in 32-bit
	// arithmetic, so one sector more wraps it and qemu writes grain
	// directories that cover nothing: an image that cannot hold data.
	// PlanImage refuses those sizes.
	MaxVirtualSize = (1<<32 - 512) * GrainSize

	// GrainSize is the grain (cluster) size qemu-img writes, in bytes.
	GrainSize = grainSectors * SectorSize

	// DefaultToolsVersion is ddb.toolsVersion when toolsversion is not
	// given; DefaultHWVersion is ddb.virtualHWVersion when neither
	// hwversion nor compat6 is given, Compat6HWVersion with compat6.
	DefaultToolsVersion = "2147483647"
	DefaultHWVersion    = "4"
	Compat6HWVersion    = "6"

	// HWVersionUndefined is qemu-img's default text for hwversion; given
	// explicitly it means "not given", as in qemu-img.
	HWVersionUndefined = "undefined"

	// MaxBackingFileLen is the longest backing path qemu-img records
	// intact: it formats the parentFileNameHint line into a 4096-byte
	// buffer and silently truncates a longer one.
	MaxBackingFileLen = 4096 - 1 - len(`parentFileNameHint=""`)

	// MaxDescriptorText is the room for the embedded descriptor (20
	// sectors); qemu-img would overwrite its grain directory with a longer
	// one, PlanImage refuses it.
	MaxDescriptorText = descriptorSectors * SectorSize
)

// Options describe a new single-file VMDK. The zero value of every field
// means what qemu-img 7.2 does when the option is not given.
type Options struct {
	// Size is the virtual size in bytes; PlanImage rounds it up to a
	// multiple of 512 as qemu-img does.
	Size int64
	// FileName is the new image's path or name; its last element is written
	// in the descriptor's extent line, as qemu-img writes its basename.
	FileName string
	// Subformat is monolithicSparse (default) or streamOptimized; the
	// multi-file subformats are refused with ErrMultiFile.
	Subformat Subformat
	// AdapterType is ddb.adapterType; it also picks the geometry's heads.
	AdapterType AdapterType
	// HWVersion is ddb.virtualHWVersion; "" or "undefined" means not given
	// ("4", or "6" with Compat6). qemu-img writes any text verbatim.
	HWVersion string
	// Compat6 sets hwversion 6; qemu-img refuses it together with
	// HWVersion.
	Compat6 bool
	// ToolsVersion is ddb.toolsVersion; "" means DefaultToolsVersion.
	ToolsVersion string
	// ZeroedGrain sets the zeroed-grain flag (header version 2 for
	// monolithicSparse).
	ZeroedGrain bool
	// BackingFile is the parent's path exactly as the user typed it,
	// written verbatim as parentFileNameHint; "" for no parent.
	BackingFile string
	// ParentCID is the parent's CID, read from the parent by the caller
	// (Info.CID). Nil writes NoParentCID, the value meaning "no parent" —
	// what a child whose parent could not be read must carry.
	ParentCID *uint32
	// CID is the new image's content ID; nil draws a random one from
	// crypto/rand, as qemu-img draws one per image. Tests set it for
	// reproducible bytes.
	CID *uint32
}

// Validate checks the options as qemu-img 7.2 would, plus the limits that
// keep the planned image consistent. Errors are *OptionError.
func (o *Options) Validate() error {
	switch {
	case o.Size < MinVirtualSize:
		return optionErr(ErrInvalidOption, "size", fmt.Sprint(o.Size), "a vmdk needs a virtual size of at least %d bytes", MinVirtualSize)
	case o.Size > MaxVirtualSize:
		return optionErr(ErrTooLarge, "size", fmt.Sprint(o.Size), "exceeds %d bytes (256 TiB − 32 MiB), the largest vmdk qemu-img writes consistently; use qcow2 or vhdx for a larger disk", int64(MaxVirtualSize))
	}
	if o.Subformat.MultiFile() {
		return optionErr(ErrMultiFile, "subformat", o.Subformat.String(), "multi-file VMDK output is not supported; use monolithicSparse or streamOptimized")
	}
	if o.Subformat != MonolithicSparse && o.Subformat != StreamOptimized {
		return optionErr(ErrInvalidOption, "subformat", o.Subformat.String(), "unknown subformat")
	}
	if o.AdapterType > AdapterLegacyESX {
		return optionErr(ErrInvalidOption, "adapter_type", o.AdapterType.String(), "unknown adapter type")
	}
	if o.Compat6 && o.hwVersionGiven() {
		return optionErr(ErrInvalidOption, "hwversion", o.HWVersion, "compat6 cannot be enabled with hwversion set")
	}
	for _, v := range []struct{ name, value string }{{"hwversion", o.HWVersion}, {"toolsversion", o.ToolsVersion}} {
		if i := strings.IndexFunc(v.value, unwritable); i >= 0 {
			return optionErr(ErrInvalidOption, v.name, v.value, "contains %q, which would break the descriptor line", v.value[i])
		}
	}
	if o.BackingFile != "" {
		if i := strings.IndexFunc(o.BackingFile, unwritable); i >= 0 {
			return optionErr(ErrPathNotRepresentable, "backing_file", o.BackingFile, "contains %q, which a VMDK descriptor cannot hold", o.BackingFile[i])
		}
		if len(o.BackingFile) > MaxBackingFileLen {
			return optionErr(ErrPathNotRepresentable, "backing_file", o.BackingFile, "%d bytes exceed the %d qemu-img records intact", len(o.BackingFile), MaxBackingFileLen)
		}
	}
	name := extentName(o.FileName)
	if name == "" {
		return optionErr(ErrInvalidOption, "filename", o.FileName, "the image needs a file name for its extent line")
	}
	if i := strings.IndexFunc(name, unwritable); i >= 0 {
		return optionErr(ErrPathNotRepresentable, "filename", o.FileName, "contains %q, which a VMDK descriptor cannot hold", name[i])
	}
	if len(name) > MaxExtentFileNameLen {
		return optionErr(ErrPathNotRepresentable, "filename", o.FileName, "the name is longer than the %d bytes qemu reads from an extent line", MaxExtentFileNameLen)
	}
	return nil
}

// hwVersionGiven reports whether hwversion was set to something qemu-img
// takes as given.
func (o *Options) hwVersionGiven() bool {
	return o.HWVersion != "" && o.HWVersion != HWVersionUndefined
}

// hwVersion is the ddb.virtualHWVersion text qemu-img writes.
func (o *Options) hwVersion() string {
	switch {
	case o.hwVersionGiven():
		return o.HWVersion
	case o.Compat6:
		return Compat6HWVersion
	}
	return DefaultHWVersion
}

// toolsVersion is the ddb.toolsVersion text qemu-img writes.
func (o *Options) toolsVersion() string {
	if o.ToolsVersion == "" {
		return DefaultToolsVersion
	}
	return o.ToolsVersion
}

// unwritable reports characters a quoted descriptor value cannot hold.
func unwritable(r rune) bool {
	return r == '"' || r == '\n' || r == '\r' || r == 0
}

// extentName is the last element of a path, as g_path_get_basename gives
// it for a plain file name.
func extentName(p string) string {
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	return p
}
