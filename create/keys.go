package create

// keyKind is the type of an option's value, as qemu's option lists type
// them; it decides how a value parses and how the Formatting line prints it.
type keyKind int

const (
	kindString keyKind = iota // printed as typed, commas doubled
	kindBool                  // on/off (and qemu's yes/no/true/false/y/n), printed as typed
	kindSize                  // the size grammar, printed as the parsed number
	kindNumber                // an integer (decimal, 0x hex or 0 octal), printed parsed
)

// String names the kind as `-o help` shows it.
func (k keyKind) String() string {
	switch k {
	case kindBool:
		return "bool (on/off)"
	case kindSize:
		return "size"
	case kindNumber:
		return "num"
	}
	return "str"
}

// keyDesc describes one `-o` key of one format.
type keyDesc struct {
	name string
	kind keyKind
	// def is the value qemu-img prints in its Formatting line when the key
	// was not given ("" prints nothing).
	def  string
	help string
	// flagOnly marks a key set only through -b/-F: qemu-img has no such
	// -o key for the format (vpc and vhdx, whose differencing children
	// only instar makes), but the Formatting line still shows it.
	flagOnly bool
	// refused marks a key qemu-img accepts but instar does not implement;
	// giving it is an InvalidOption error that says so.
	refused bool
}

// Option keys, by their qemu names.
const (
	keySize           = "size"
	keyBackingFile    = "backing_file"
	keyBackingFmt     = "backing_fmt"
	keyPreallocation  = "preallocation"
	keyNoCOW          = "nocow"
	keyExtentSizeHint = "extent_size_hint"
	keyClusterSize    = "cluster_size"
	keyCompat         = "compat"
	keyRefcountBits   = "refcount_bits"
	keyLazyRefcounts  = "lazy_refcounts"
	keyExtendedL2     = "extended_l2"
	keyCompression    = "compression_type"
	keySubformat      = "subformat"
	keyAdapterType    = "adapter_type"
	keyHWVersion      = "hwversion"
	keyCompat6        = "compat6"
	keyToolsVersion   = "toolsversion"
	keyZeroedGrain    = "zeroed_grain"
	keyForceSize      = "force_size"
	keyBlockSize      = "block_size"
	keyLogSize        = "log_size"
	keyBlockStateZero = "block_state_zero"
)

// Keys shared by several formats.
var (
	descSize        = keyDesc{name: keySize, kind: kindSize, help: "Virtual disk size"}
	descBackingFile = keyDesc{name: keyBackingFile, kind: kindString, help: "Path of the backing (parent) image, stored as given"}
	descBackingFmt  = keyDesc{name: keyBackingFmt, kind: kindString, help: "Format of the backing image"}
	// The host file's own keys, which qemu appends after the format's keys.
	descNoCOW          = keyDesc{name: keyNoCOW, kind: kindBool, help: "Turn off copy-on-write on btrfs (accepted and ignored by instar)"}
	descPreallocFile   = keyDesc{name: keyPreallocation, kind: kindString, help: "Preallocation mode (off, falloc, full)"}
	descExtentSizeHint = keyDesc{name: keyExtentSizeHint, kind: kindSize, help: "Extent size hint for the file system (accepted and ignored by instar)"}
)

// formatKeys lists each format's keys in the order qemu-img 7.2 prints them
// in its Formatting line: the format's own option list, then the host file's.
var formatKeys = map[Format][]keyDesc{
	Raw: {descSize, descNoCOW, descPreallocFile, descExtentSizeHint},
	Qcow2: {
		{name: keyClusterSize, kind: kindSize, def: "65536", help: "Cluster size, a power of two from 512 to 2M"},
		{name: keyExtendedL2, kind: kindBool, def: "off", help: "Extended L2 entries (subclusters); needs cluster_size >= 16k"},
		{name: keyPreallocation, kind: kindString, help: "Preallocation mode (off, metadata, falloc, full)"},
		{name: keyCompression, kind: kindString, def: "zlib", help: "Compression type recorded in the header (zlib, zstd)"},
		descSize,
		{name: keyCompat, kind: kindString, help: "Compatibility level: 0.10 (v2) or 1.1 (v3)"},
		descBackingFile,
		descBackingFmt,
		{name: "data_file", kind: kindString, help: "External data file (not supported by instar)", refused: true},
		{name: "data_file_raw", kind: kindBool, help: "External data file stays raw (not supported by instar)", refused: true},
		{name: "encrypt.cipher-alg", kind: kindString, help: "Encryption (not supported by instar)", refused: true},
		{name: "encrypt.cipher-mode", kind: kindString, help: "Encryption (not supported by instar)", refused: true},
		{name: "encrypt.format", kind: kindString, help: "Encryption (not supported by instar)", refused: true},
		{name: "encrypt.hash-alg", kind: kindString, help: "Encryption (not supported by instar)", refused: true},
		{name: "encrypt.iter-time", kind: kindNumber, help: "Encryption (not supported by instar)", refused: true},
		{name: "encrypt.ivgen-alg", kind: kindString, help: "Encryption (not supported by instar)", refused: true},
		{name: "encrypt.ivgen-hash-alg", kind: kindString, help: "Encryption (not supported by instar)", refused: true},
		{name: "encrypt.key-secret", kind: kindString, help: "Encryption (not supported by instar)", refused: true},
		{name: "encryption", kind: kindBool, help: "Encryption (not supported by instar)", refused: true},
		{name: keyLazyRefcounts, kind: kindBool, def: "off", help: "Postpone refcount updates (needs compat=1.1)"},
		{name: keyRefcountBits, kind: kindNumber, def: "16", help: "Refcount width in bits, a power of two from 1 to 64"},
		descNoCOW,
		descExtentSizeHint,
	},
	VMDK: {
		descSize,
		{name: keyAdapterType, kind: kindString, help: "Virtual adapter: ide (default), lsilogic, buslogic or legacyESX"},
		descBackingFile,
		{name: keyBackingFmt, kind: kindString, help: "Format of the backing image; must be vmdk"},
		{name: keyCompat6, kind: kindBool, def: "off", help: "VMDK version 6 image"},
		{name: keyHWVersion, kind: kindString, def: "undefined", help: "Virtual hardware version recorded in the descriptor"},
		{name: keyToolsVersion, kind: kindString, help: "VMware tools version recorded in the descriptor"},
		{name: keySubformat, kind: kindString, help: "monolithicSparse (default) or streamOptimized"},
		{name: keyZeroedGrain, kind: kindBool, help: "Zeroed-grain grain table entries"},
		descNoCOW,
		descPreallocFile,
		descExtentSizeHint,
	},
	VPC: {
		descSize,
		{name: keyBackingFile, kind: kindString, flagOnly: true},
		{name: keyBackingFmt, kind: kindString, flagOnly: true},
		{name: keySubformat, kind: kindString, help: "dynamic (default) or fixed"},
		{name: keyForceSize, kind: kindBool, help: "Keep the exact size instead of rounding it to a CHS geometry"},
		descNoCOW,
		descPreallocFile,
		descExtentSizeHint,
	},
	VHDX: {
		descSize,
		{name: keyBackingFile, kind: kindString, flagOnly: true},
		{name: keyBackingFmt, kind: kindString, flagOnly: true},
		{name: keyLogSize, kind: kindSize, def: "1048576", help: "Log size, a multiple of 1M"},
		{name: keyBlockSize, kind: kindSize, def: "0", help: "Block size, a power of two from 1M to 256M; 0 picks one from the size"},
		{name: keySubformat, kind: kindString, help: "dynamic (default) or fixed"},
		{name: keyBlockStateZero, kind: kindBool, help: "Mark unallocated blocks as zero (default on)"},
		descNoCOW,
		descPreallocFile,
		descExtentSizeHint,
	},
}

// lookupKey returns the description of key for format f.
func lookupKey(f Format, key string) (keyDesc, bool) {
	for _, d := range formatKeys[f] {
		if d.name == key && !d.flagOnly {
			return d, true
		}
	}
	return keyDesc{}, false
}
