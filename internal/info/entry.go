package info

// Entry is one image as qemu-img info prints it: what the guest learned
// from the bytes (Image) plus what only the host knows.
type Entry struct {
	// Filename is the path as the user typed it; for a later link of a
	// backing chain, the previous link's FullBackingFilename.
	Filename string

	// ActualSize is the host's allocation for the image in bytes (st_blocks
	// × 512; for a VMDK also that of each of Image.ExtentFiles). Negative
	// means unknown: human output then says "disk size: unavailable" and
	// JSON omits actual-size, as qemu-img does.
	ActualSize int64

	// Image is the validated result of Inspect.
	Image *Image
}

// qemuInfo builds qemu's ImageInfo QDict for the entry, keys in QAPI
// schema order (qapi/block-core.json, ImageInfo).
func (e *Entry) qemuInfo() *qdict {
	im := e.Image
	d := &qdict{}
	d.put("filename", qstring(e.Filename))
	d.put("format", qstring(im.Format))
	if im.HasDirtyFlag {
		d.put("dirty-flag", qbool(im.Dirty))
	}
	if e.ActualSize >= 0 {
		d.put("actual-size", qint(e.ActualSize))
	}
	d.put("virtual-size", qint(im.VirtualSize))
	if im.ClusterSize != 0 {
		d.put("cluster-size", qint(im.ClusterSize))
	}
	if im.BackingFilename != "" {
		d.put("backing-filename", qstring(im.BackingFilename))
		d.put("full-backing-filename", qstring(FullBackingFilename(e.Filename, im.BackingFilename)))
		if im.BackingFormat != "" {
			d.put("backing-filename-format", qstring(im.BackingFormat))
		}
	}
	if spec := e.specific(); spec != nil {
		fs := &qdict{}
		fs.put("type", qstring(im.Format))
		fs.put("data", spec)
		d.put("format-specific", fs)
	}
	return d
}
