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

// specific builds the "data" of ImageInfoSpecific, or nil when qemu-img
// shows none for the format.
func (e *Entry) specific() *qdict {
	switch im := e.Image; {
	case im.Qcow2 != nil:
		return im.Qcow2.qemuInfo()
	case im.VMDK != nil:
		return im.VMDK.qemuInfo(e.Filename)
	}
	return nil
}

// qemuInfo is ImageInfoSpecificQCow2 in schema order; which optional
// fields appear follows qcow2_get_specific_info.
func (q *Qcow2Specific) qemuInfo() *qdict {
	d := &qdict{}
	d.put("compat", qstring(q.Compat))
	v3 := q.Compat != qcow2CompatV2
	if q.DataFile != "" {
		d.put("data-file", qstring(q.DataFile))
		d.put("data-file-raw", qbool(q.DataFileRaw))
	}
	if v3 {
		d.put("extended-l2", qbool(q.ExtendedL2))
		d.put("lazy-refcounts", qbool(q.LazyRefcounts))
		d.put("corrupt", qbool(q.Corrupt))
	}
	d.put("refcount-bits", qint(q.RefcountBits))
	if len(q.Bitmaps) > 0 {
		l := make(qlist, len(q.Bitmaps))
		for i, bm := range q.Bitmaps {
			b := &qdict{}
			b.put("name", qstring(bm.Name))
			b.put("granularity", qint(bm.Granularity))
			flags := make(qlist, len(bm.Flags))
			for j, f := range bm.Flags {
				flags[j] = qstring(f)
			}
			b.put("flags", flags)
			l[i] = b
		}
		d.put("bitmaps", l)
	}
	d.put("compression-type", qstring(q.CompressionType))
	return d
}

// qemuInfo is ImageInfoSpecificVmdk in schema order, with VmdkExtentInfo
// per extent as vmdk_get_extent_info fills it.
func (v *VMDKSpecific) qemuInfo(imageFilename string) *qdict {
	d := &qdict{}
	d.put("create-type", qstring(v.CreateType))
	d.put("cid", qint(int64(v.CID)))
	d.put("parent-cid", qint(int64(v.ParentCID)))
	l := make(qlist, len(v.Extents))
	for i, x := range v.Extents {
		name := imageFilename
		if x.Filename != "" {
			name = resolveName(imageFilename, x.Filename)
		}
		e := &qdict{}
		e.put("filename", qstring(name))
		e.put("format", qstring(x.Format))
		e.put("virtual-size", qint(x.VirtualSize))
		if !x.Flat {
			e.put("cluster-size", qint(x.ClusterSize))
		}
		if x.Compressed {
			e.put("compressed", qbool(true))
		}
		l[i] = e
	}
	d.put("extents", l)
	return d
}
