package vhdx

import "fmt"

// DiskType is the kind of virtual disk a VHDX file holds, derived from its
// file parameters (MS-VHDX 2.6.2.1).
type DiskType uint8

// Disk types.
const (
	// DiskDynamic allocates payload blocks as they are written.
	DiskDynamic DiskType = iota
	// DiskFixed has every payload block allocated
	// (LeaveBlocksAllocated is set).
	DiskFixed
	// DiskDifferencing reads unallocated blocks from a parent (HasParent
	// is set; the parent locator says which parent).
	DiskDifferencing
)

func (t DiskType) String() string {
	switch t {
	case DiskDynamic:
		return "dynamic"
	case DiskFixed:
		return "fixed"
	case DiskDifferencing:
		return "differencing"
	}
	return fmt.Sprintf("DiskType(%d)", uint8(t))
}

// MarshalText returns the String form.
func (t DiskType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Image is a parsed VHDX file: the active header, the region table, the
// metadata and what they describe. Parse fills it from bytes it has
// bounded and checked; Warnings lists what was damaged but recoverable.
type Image struct {
	// Creator is the diagnostic creator string of the file type
	// identifier, e.g. "QEMU v7.2.0" (invalid UTF-16 is replaced).
	Creator string
	// Header is the active header; ActiveHeader is 1 or 2, the copy it
	// came from.
	Header       Header
	ActiveHeader int
	// Regions are the entries of the region table in use, in file order;
	// BAT and Metadata are the two every file has.
	Regions  []Region
	BAT      Region
	Metadata Region
	// MetadataEntries are the entries of the metadata table, in order.
	MetadataEntries []MetadataEntry

	// BlockSize is the payload block size in bytes (qemu's cluster size).
	BlockSize uint32
	// LeaveBlocksAllocated is set for a fixed disk.
	LeaveBlocksAllocated bool
	// HasParent is set for a differencing disk; Parent is then its parent
	// locator.
	HasParent bool
	Parent    *ParentLocator
	// VirtualSize is the size of the virtual disk in bytes.
	VirtualSize uint64
	// LogicalSectorSize and PhysicalSectorSize are 512 or 4096.
	LogicalSectorSize  uint32
	PhysicalSectorSize uint32
	// DiskID is the virtual disk's identifier (the Page 83 Data item).
	DiskID GUID
	// BATEntries is the number of BAT entries the virtual size requires;
	// the BAT region holds at least this many.
	BATEntries uint64

	// LogNeedsReplay reports a log that holds updates not yet applied:
	// the active header's LogGUID is set and a log entry carries it. Such
	// an image must be replayed by a writer (qemu-img check -r all, or
	// Hyper-V) before its metadata can be trusted; qemu-img refuses to
	// open it read-only, and this package never replays a log.
	LogNeedsReplay bool

	// Warnings describe damage Parse recovered from, such as one header
	// or one region table copy with a bad checksum.
	Warnings []string
}

// DiskType returns the kind of disk the file parameters describe.
func (img *Image) DiskType() DiskType {
	switch {
	case img.HasParent:
		return DiskDifferencing
	case img.LeaveBlocksAllocated:
		return DiskFixed
	}
	return DiskDynamic
}

// Info is the summary of an image: what `qemu-img info` shows for vhdx
// (virtual size and cluster size), plus what a caller needs to make a
// differencing child of it or to judge it.
type Info struct {
	// VirtualSize is the virtual disk size in bytes ("virtual-size").
	VirtualSize uint64
	// ClusterSize is the block size in bytes ("cluster-size").
	ClusterSize uint32
	// DiskType is dynamic, fixed or differencing.
	DiskType DiskType
	// LogicalSectorSize and PhysicalSectorSize are 512 or 4096.
	LogicalSectorSize  uint32
	PhysicalSectorSize uint32
	// DataWriteGUID is the active header's DataWriteGuid: the identity a
	// differencing child records as its parent_linkage.
	DataWriteGUID GUID
	// DiskID is the virtual disk identifier (Page 83 Data).
	DiskID GUID
	// Parent is the parent locator of a differencing disk, else nil.
	Parent *ParentLocator
	// NeedsLogReplay is true when the log is not empty; see
	// Image.LogNeedsReplay. qemu-img refuses to open such an image
	// read-only.
	NeedsLogReplay bool
}

// Info returns the summary of the image.
func (img *Image) Info() Info {
	return Info{
		VirtualSize:        img.VirtualSize,
		ClusterSize:        img.BlockSize,
		DiskType:           img.DiskType(),
		LogicalSectorSize:  img.LogicalSectorSize,
		PhysicalSectorSize: img.PhysicalSectorSize,
		DataWriteGUID:      img.Header.DataWriteGUID,
		DiskID:             img.DiskID,
		Parent:             img.Parent,
		NeedsLogReplay:     img.LogNeedsReplay,
	}
}
