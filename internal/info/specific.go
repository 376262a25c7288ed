package info

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
// fields appear follows qcow2_get_specific_info. (encrypt and bitmaps are
// never present: images with them are refused by Inspect.)
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
