package info

// Image is what Inspect learns from an image's bytes: the fields qemu-img
// info shows that come from the image itself. It crosses the sandbox
// boundary as JSON, so it holds only plain, bounded values; the host runs
// Validate on every decoded Image before rendering it.
//
// Names (backing file, data file, extents) are exactly the bytes the image
// stores. They are data, never paths the parser opened.
type Image struct {
	// Format is qemu's name for the format: raw, qcow2, vmdk, vpc or vhdx.
	Format string `json:"format"`

	// VirtualSize is the guest-visible size in bytes, as qemu-img reports it.
	VirtualSize int64 `json:"virtual_size"`

	// ClusterSize is the allocation unit qemu-img shows as cluster_size;
	// zero when qemu-img shows none (raw, fixed VHD, flat VMDK).
	ClusterSize int64 `json:"cluster_size,omitempty"`

	// HasDirtyFlag is false only when qemu cannot query the driver (a VMDK
	// whose extents are of different kinds); qemu-img then also omits the
	// cluster size.
	HasDirtyFlag bool `json:"has_dirty_flag"`

	// Dirty is the image's dirty flag (qcow2 incompatible feature bit 0).
	Dirty bool `json:"dirty,omitempty"`

	// BackingFilename is the backing reference stored in the image, or "".
	BackingFilename string `json:"backing_filename,omitempty"`

	// BackingFormat is the backing format stored in the image, or "".
	BackingFormat string `json:"backing_format,omitempty"`

	// Qcow2 holds the qcow2 "Format specific information"; set only for
	// qcow2.
	Qcow2 *Qcow2Specific `json:"qcow2,omitempty"`

	// VMDK holds the vmdk "Format specific information"; set only for vmdk.
	VMDK *VMDKSpecific `json:"vmdk,omitempty"`
}

// Qcow2Specific is qemu's ImageInfoSpecificQCow2.
type Qcow2Specific struct {
	// Compat is "0.10" for a version 2 image and "1.1" for version 3.
	Compat string `json:"compat"`

	// CompressionType is "zlib" or "zstd".
	CompressionType string `json:"compression_type"`

	// RefcountBits is the width of a refcount entry.
	RefcountBits int64 `json:"refcount_bits"`

	// LazyRefcounts, Corrupt and ExtendedL2 are shown for compat 1.1 only.
	LazyRefcounts bool `json:"lazy_refcounts,omitempty"`
	Corrupt       bool `json:"corrupt,omitempty"`
	ExtendedL2    bool `json:"extended_l2,omitempty"`

	// DataFile is the external data file name, or "" when there is none.
	DataFile string `json:"data_file,omitempty"`

	// DataFileRaw is the data-file-raw bit; shown only with a DataFile.
	DataFileRaw bool `json:"data_file_raw,omitempty"`
}

// VMDKSpecific is qemu's ImageInfoSpecificVmdk.
type VMDKSpecific struct {
	// CreateType is the descriptor's createType ("monolithicSparse", …).
	CreateType string `json:"create_type"`
	// CID and ParentCID are the descriptor's content IDs (0xffffffff
	// for no parent).
	CID       uint32 `json:"cid"`
	ParentCID uint32 `json:"parent_cid"`
	// Extents are the extents in descriptor order.
	Extents []VMDKExtent `json:"extents"`
}

// VMDKExtent is one extent of a VMDK, as qemu's VmdkExtentInfo shows it.
type VMDKExtent struct {
	// Filename is the name in the descriptor's extent line, or "" for the
	// sparse extent that is the image file itself (monolithicSparse,
	// streamOptimized). qemu-img shows it resolved against the image's
	// directory; see ExtentFiles.
	Filename string `json:"filename,omitempty"`

	// Format is the extent type from the descriptor ("SPARSE", "FLAT", …),
	// or "" for the image file's own sparse extent, as qemu-img shows it.
	Format string `json:"format,omitempty"`

	// VirtualSize is the extent's size in bytes.
	VirtualSize int64 `json:"virtual_size"`

	// Flat extents have no grains and qemu-img shows no cluster size.
	Flat bool `json:"flat,omitempty"`

	// ClusterSize is the grain size in bytes (sparse extents).
	ClusterSize int64 `json:"cluster_size,omitempty"`

	// Compressed is set for streamOptimized extents.
	Compressed bool `json:"compressed,omitempty"`

	// NeedsHeader marks a sparse extent stored in another file: its size,
	// grain size and compression come from that file's header, which
	// CompleteExtents reads. An Image with such an extent cannot be
	// rendered until then.
	NeedsHeader bool `json:"needs_header,omitempty"`
}
