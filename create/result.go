package create

// Range is a byte range of the new file.
type Range struct {
	Offset int64
	Length int64
}

// Result describes a created image.
type Result struct {
	// Format is the target format.
	Format Format
	// VirtualSize is the image's virtual size in bytes, after rounding.
	VirtualSize int64
	// ClusterSize is the allocation unit: qcow2 cluster, vmdk grain, vpc
	// and vhdx block; 0 for raw and fixed vpc.
	ClusterSize int64
	// FileSize is the length of the file written.
	FileSize int64
	// BytesWritten counts the bytes actually written (zero runs inside a
	// plan are skipped, so the file stays sparse).
	BytesWritten int64
	// Formatting is qemu-img's option list, "fmt=… key=value …", in
	// qemu's order; [Result.FormattingLine] adds the file name.
	Formatting string
	// Backing describes the backing that was read; nil without -b or
	// with -u.
	Backing *BackingInfo
	// Warnings are non-fatal notes for the user, in order.
	Warnings []string
	// Preallocation is the mode the host must still apply to the ranges
	// in Preallocate (falloc or full), with [Preallocate]; the writer
	// given to [Create] is never asked to allocate space.
	Preallocation Preallocation
	Preallocate   []Range
}

// FormattingLine returns the line qemu-img prints before it creates an
// image: "Formatting 'NAME', fmt=…".
func (r *Result) FormattingLine(filename string) string {
	return "Formatting '" + filename + "', " + r.Formatting
}
