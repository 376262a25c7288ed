package vmdk

// Info is what `qemu-img info` shows for a VMDK, plus the identity a child
// needs (CID) and the descriptor's disk database values.
type Info struct {
	// VirtualSize is the disk size in bytes: the header's capacity, or for
	// a descriptor file the sum of the extents qemu opens.
	VirtualSize int64
	// ClusterSize is the grain size in bytes of a sparse file, as qemu
	// shows "cluster-size". It is 0 for a descriptor file: qemu takes it
	// from the first extent's own header (absent for a FLAT extent), which
	// this package never opens.
	ClusterSize int64
	// CreateType is qemu's "create-type": monolithicSparse or
	// streamOptimized for a sparse file (from the header's compression, as
	// qemu decides, not from the descriptor), the descriptor's createType
	// for a descriptor file.
	CreateType string
	// CID and ParentCID are the descriptor's content IDs ("cid",
	// "parent-cid"); ParentCID is NoParentCID when there is no parent.
	CID, ParentCID uint32
	// BackingFilename is parentFileNameHint verbatim, "" when absent;
	// BackingFormat is then "vmdk", as qemu-img reports.
	BackingFilename string
	BackingFormat   string
	// Extents are qemu's "extents" list.
	Extents []ExtentInfo
	// HWVersion, AdapterType and ToolsVersion are the ddb values
	// (ddb.virtualHWVersion, ddb.adapterType, ddb.toolsVersion), "" when
	// absent; Cylinders, Heads, Sectors the ddb.geometry.* text.
	HWVersion, AdapterType, ToolsVersion string
	Cylinders, Heads, Sectors            string
}

// ExtentInfo is one of qemu's VmdkExtentInfo.
type ExtentInfo struct {
	// Filename is the extent's file name as the descriptor writes it, or ""
	// for the sparse extent that is the image file itself (qemu shows the
	// image's own name then, and a descriptor name resolved against the
	// image's directory otherwise).
	Filename string
	// Format is the extent type ("SPARSE", "FLAT", ...), or "" for the
	// image file's own sparse extent, as qemu shows it.
	Format string
	// VirtualSize is the extent's size in bytes.
	VirtualSize int64
	// ClusterSize is the grain size in bytes of the image's own sparse
	// extent; 0 for a FLAT extent (qemu shows none) and for a SPARSE extent
	// in another file (qemu reads it from that file; ParseSparseExtent
	// reads it for a caller that opens the file).
	ClusterSize int64
	// Flat reports a FLAT or VMFS extent: qemu shows no cluster-size.
	Flat bool
	// Compressed is qemu's "compressed" (shown only when true).
	Compressed bool
	// Offset is a FLAT extent's start in its file, in bytes.
	Offset int64
}

// NoParentCID is the parentCID of a VMDK without a parent.
const NoParentCID uint32 = 0xffffffff

// Info returns the summary of the image. The Extents slice is a copy.
func (im *Image) Info() Info {
	info := im.info
	info.Extents = append([]ExtentInfo(nil), im.info.Extents...)
	return info
}

// fillFromDescriptor copies the descriptor's identity and disk database
// into the summary.
func (im *Image) fillFromDescriptor() {
	d := im.Descriptor
	im.info.CID, im.info.ParentCID = d.CID, d.ParentCID
	if d.ParentFileNameHint != "" { // qemu shows no backing for an empty hint
		im.info.BackingFilename, im.info.BackingFormat = d.ParentFileNameHint, FormatName
	}
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"ddb.virtualHWVersion", &im.info.HWVersion},
		{"ddb.adapterType", &im.info.AdapterType},
		{"ddb.toolsVersion", &im.info.ToolsVersion},
		{"ddb.geometry.cylinders", &im.info.Cylinders},
		{"ddb.geometry.heads", &im.info.Heads},
		{"ddb.geometry.sectors", &im.info.Sectors},
	} {
		*f.dst, _ = d.DDBValue(f.key)
	}
}
