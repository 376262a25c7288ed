package create

import (
	"fmt"
	"strings"

	"github.com/instar-go/instar/formats/qcow2"
	"github.com/instar-go/instar/formats/vhdx"
	"github.com/instar-go/instar/formats/vmdk"
)

// differencingTargets lists the targets that can record a backing file
// passed with -b. qemu-img refuses -b for vpc and vhdx; instar adds them
// where the format package can emit a differencing child.
var differencingTargets = map[Format]bool{Qcow2: true, VMDK: true, VPC: true, VHDX: true}

// applyBackingFlags applies -b and -F, which override backing_file and
// backing_fmt given with -o, as in qemu-img.
func (o *Options) applyBackingFlags(req *Request, p *problemList) {
	if req.HasBackingFile || req.BackingFile != "" {
		if !differencingTargets[o.Format] {
			p.add(InvalidOption, fmt.Sprintf("Backing file not supported for file format '%s'", o.Format))
		} else {
			o.BackingFile = req.BackingFile
			o.given[keyBackingFile] = escapeOptionValue(req.BackingFile)
		}
	}
	if req.BackingFormat != "" {
		if !differencingTargets[o.Format] {
			p.add(InvalidOption, fmt.Sprintf("Backing file format not supported for file format '%s'", o.Format))
		} else {
			o.BackingFormat = Format(req.BackingFormat)
			o.given[keyBackingFmt] = escapeOptionValue(req.BackingFormat)
		}
	}
}

// validateBacking checks the backing name and format, which need no bytes.
func (o *Options) validateBacking(req *Request, p *problemList) {
	_, hasFile := o.given[keyBackingFile]
	_, hasFmt := o.given[keyBackingFmt]
	if hasFmt {
		if _, err := ParseFormat(string(o.BackingFormat)); err != nil {
			p.add(UnsupportedFormat, fmt.Sprintf("Unknown driver '%s' given as the backing format (allowed: raw, qcow2, vmdk, vpc, vhdx)", o.BackingFormat))
		}
	}
	if !hasFile {
		if hasFmt && o.Format == Qcow2 {
			p.add(InvalidOption, "Backing format cannot be used without backing file")
		}
		if hasFmt && o.Format == VMDK && o.BackingFormat != VMDK {
			p.add(ParentFormatMismatch, fmt.Sprintf("backing_file must be a vmdk image (backing_fmt is '%s')", o.BackingFormat))
		}
		return
	}
	switch {
	case o.BackingFile == "":
		p.add(InvalidOption, "Expected backing file name, got empty string")
		return
	case req.Filename != "" && o.BackingFile == req.Filename:
		p.add(InvalidOption, "Error: Trying to create an image with the same filename as the backing file")
	case len(o.BackingFile) > MaxBackingPath:
		p.add(BackingPathTooLong, fmt.Sprintf("Backing file path is %d bytes long; at most %d are allowed", len(o.BackingFile), MaxBackingPath))
	}
	if strings.IndexByte(o.BackingFile, 0) >= 0 {
		p.add(ParentPathNotRepresentable, "Backing file name contains a NUL byte")
	}
	if !hasFmt {
		p.add(InvalidOption, "Backing file specified without backing format (pass -F with the backing file's format)")
	}
	if o.Format == VMDK && hasFmt && o.BackingFormat != VMDK {
		p.add(ParentFormatMismatch, fmt.Sprintf("backing_file must be a vmdk image (backing_fmt is '%s')", o.BackingFormat))
	}
}

// validateFormat checks the target's own rules.
func (o *Options) validateFormat(p *problemList) {
	switch o.Format {
	case Raw:
		o.validateFilePrealloc(p)
	case Qcow2:
		o.validateQcow2(p)
	case VMDK:
		o.validateVMDK(p)
	case VPC:
		o.validateChoice(p, keySubformat, o.Subformat, "dynamic", "fixed")
		o.validateFilePrealloc(p)
	case VHDX:
		o.validateVHDX(p)
	}
}

// validateChoice checks a string key against its allowed values ("" means
// not given).
func (o *Options) validateChoice(p *problemList, key, v string, allowed ...string) bool {
	if v == "" {
		return true
	}
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	p.add(InvalidOption, fmt.Sprintf("Parameter '%s' does not accept value '%s' (allowed: %s)", key, v, strings.Join(allowed, ", ")))
	return false
}

// validateFilePrealloc checks preallocation for targets whose only
// preallocation is the host file's (raw, vmdk, vpc, vhdx). For vmdk, vpc
// and vhdx qemu-img accepts falloc and full and they change nothing, since
// the format driver writes its own file afterwards; instar does the same
// and says so in a warning.
func (o *Options) validateFilePrealloc(p *problemList) {
	v, ok := o.given[keyPreallocation]
	if !ok {
		return
	}
	mode, known := parsePreallocation(v)
	switch {
	case !known:
		p.add(InvalidOption, fmt.Sprintf("Parameter 'preallocation' does not accept value '%s' (allowed: off, falloc, full)", v))
	case mode == PreallocMetadata:
		p.add(InvalidOption, fmt.Sprintf("Unsupported preallocation mode: metadata (format %s allows off, falloc, full)", o.Format))
	case o.Format == Raw:
		o.Preallocation = mode
	case mode != PreallocOff:
		o.Warnings = append(o.Warnings, fmt.Sprintf("preallocation=%s has no effect on %s images (as in qemu-img)", mode, o.Format))
	}
}

// validateQcow2 checks the qcow2 rules qemu's driver applies.
func (o *Options) validateQcow2(p *problemList) {
	cs := o.ClusterSize
	if cs < qcow2.MinClusterSize || cs > qcow2.MaxClusterSize || cs&(cs-1) != 0 {
		p.add(InvalidOption, fmt.Sprintf("Cluster size must be a power of two between 512 and 2048k (got cluster_size=%d)", cs))
	}
	v2 := false
	switch o.Compat {
	case "0.10", "v2":
		v2, o.Compat = true, "0.10"
	case "1.1", "v3":
		o.Compat = "1.1"
	default:
		p.add(InvalidOption, fmt.Sprintf("Parameter 'compat' does not accept value '%s' (allowed: 0.10, v2, 1.1, v3)", o.Compat))
	}
	rb := o.RefcountBits
	if rb < qcow2.MinRefcountBits || rb > qcow2.MaxRefcountBits || rb&(rb-1) != 0 {
		p.add(InvalidOption, fmt.Sprintf("Refcount width must be a power of two and may not exceed 64 bits (got refcount_bits=%s)", o.given[keyRefcountBits]))
	} else if v2 && rb != qcow2.DefaultRefcountBits {
		p.add(InvalidOption, fmt.Sprintf("Different refcount widths than 16 bits require compatibility level 1.1 or above (use version=v3 or greater) (got refcount_bits=%d with compat=0.10)", rb))
	}
	if v2 && o.LazyRefcounts {
		p.add(InvalidOption, "Lazy refcounts only supported with compatibility level 1.1 and above (use version=v3 or greater)")
	}
	if o.ExtendedL2 {
		if v2 {
			p.add(InvalidOption, "Extended L2 entries are only supported with compatibility level 1.1 and above (use version=v3 or greater)")
		}
		if cs < qcow2.MinExtendedL2ClusterSize {
			p.add(InvalidOption, fmt.Sprintf("Extended L2 entries are only supported with cluster sizes of at least 16384 bytes (got cluster_size=%d)", cs))
		}
	}
	if o.validateChoice(p, keyCompression, o.CompressionType, "zlib", "zstd") && v2 && o.CompressionType != "zlib" {
		p.add(InvalidOption, "Non-zlib compression type is only supported with compatibility level 1.1 and above (use version=v3 or greater)")
	}
	if v, ok := o.given[keyPreallocation]; ok {
		mode, known := parsePreallocation(v)
		if !known {
			p.add(InvalidOption, fmt.Sprintf("Parameter 'preallocation' does not accept value '%s' (allowed: off, metadata, falloc, full)", v))
		}
		o.Preallocation = mode
	}
	if o.BackingFile != "" {
		if o.Preallocation != PreallocOff && !o.ExtendedL2 {
			p.add(InvalidOption, fmt.Sprintf("Backing file and preallocation can only be used at the same time if extended_l2 is on (got preallocation=%s)", o.Preallocation))
		}
		if len(o.BackingFile) > qcow2.MaxBackingFileName && len(o.BackingFile) <= MaxBackingPath {
			p.add(ParentNameTooLong, fmt.Sprintf("Backing file name too long: %d bytes, qcow2 records at most %d", len(o.BackingFile), qcow2.MaxBackingFileName))
		}
	}
}

// vmdkSubformats are the subformats instar writes; vmdkMultiFile are those
// qemu-img writes as several files, which a single output cannot hold.
var (
	vmdkSubformats = []string{"monolithicSparse", "streamOptimized"}
	vmdkMultiFile  = []string{"monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"}
)

// validateVMDK checks the vmdk rules qemu's driver applies.
func (o *Options) validateVMDK(p *problemList) {
	switch {
	case contains(vmdkMultiFile, o.Subformat):
		p.add(InvalidOption, fmt.Sprintf("subformat=%s writes several files; instar writes one image file (allowed: %s)", o.Subformat, strings.Join(vmdkSubformats, ", ")))
	default:
		o.validateChoice(p, keySubformat, o.Subformat, append(append([]string{}, vmdkSubformats...), vmdkMultiFile...)...)
	}
	o.validateChoice(p, keyAdapterType, o.AdapterType, "ide", "buslogic", "lsilogic", "legacyESX")
	if o.Compat6 && o.HWVersion != "" && o.HWVersion != "undefined" {
		p.add(InvalidOption, fmt.Sprintf("compat6 cannot be enabled with hwversion set (got hwversion=%s)", o.HWVersion))
	}
	if len(o.BackingFile) > vmdk.MaxBackingFileLen && len(o.BackingFile) <= MaxBackingPath {
		p.add(ParentNameTooLong, fmt.Sprintf("Backing file name too long: %d bytes, a VMDK descriptor records at most %d", len(o.BackingFile), vmdk.MaxBackingFileLen))
	}
	o.validateFilePrealloc(p)
}

// validateVHDX checks the vhdx rules with the vhdx package's own
// resolution of block_size and log_size (qemu's rounding up to 1 MiB and
// clamping to 256 MiB), so validation and planning cannot disagree.
func (o *Options) validateVHDX(p *problemList) {
	o.validateChoice(p, keySubformat, o.Subformat, "dynamic", "fixed")
	if o.BlockSize != 0 {
		if _, err := vhdx.ResolveBlockSize(uint64(o.BlockSize), 0); err != nil {
			p.add(InvalidOption, fmt.Sprintf("Block size must be a power of two from 1M to 256M after rounding up to 1 MiB (got block_size=%d): %v", o.BlockSize, err))
		}
	}
	if _, err := vhdx.ResolveLogSize(uint64(o.LogSize)); err != nil {
		p.add(InvalidOption, fmt.Sprintf("Log size must be a multiple of 1 MB from 1M to 4095M after rounding up (got log_size=%d): %v", o.LogSize, err))
	}
	o.validateFilePrealloc(p)
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
