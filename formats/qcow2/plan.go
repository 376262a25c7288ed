package qcow2

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
)

// Plan describes every byte of a new image file: Size bytes, zero except
// for the Extents.
type Plan struct {
	Size    int64
	Extents []Extent // ascending, non-overlapping
	// Preallocate lists the ranges the writer must allocate on the host
	// (preallocation=falloc) or fill with written zeros (preallocation=full).
	// The image's metadata already maps them; they read as zeros either way.
	// They never overlap an extent.
	Preallocate []Range
}

// Extent is a range of the file with known contents: exactly one of Data
// and Fill is set.
type Extent struct {
	Offset, Length int64
	Data           []byte // the bytes, len(Data) == Length
	// Fill writes into p the bytes at Offset+off; callers may ask for any
	// sub-range, in any chunking, from several goroutines at once.
	Fill func(off int64, p []byte)
}

// Range is a byte range of the file.
type Range struct{ Offset, Length int64 }

// PlanImage returns the plan of a new qcow2 image: the same bytes qemu-img
// 7.2 `create -f qcow2` writes for these options. It does no I/O; L1 and L2
// tables and refcount structures are Fill generators, so the plan of a
// multi-TiB preallocated image stays small.
func PlanImage(o Options) (*Plan, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	l, err := newLayout(o)
	if err != nil {
		return nil, err
	}
	head, err := l.headerCluster()
	if err != nil {
		return nil, err
	}
	ext := []Extent{{Offset: 0, Length: int64(len(head)), Data: head}}
	ext = append(ext, l.metadataExtents()...)
	slices.SortFunc(ext, func(a, b Extent) int { return cmp.Compare(a.Offset, b.Offset) })
	ext = l.addStaleTables(ext)
	for i := 1; i < len(ext); i++ {
		if ext[i-1].Offset+ext[i-1].Length > ext[i].Offset {
			return nil, fmt.Errorf("qcow2: internal error: planned structures overlap at offset %d", ext[i].Offset)
		}
	}
	return &Plan{Size: l.fileSize, Extents: ext, Preallocate: l.prealloc}, nil
}

// headerCluster returns the used part of cluster 0: header, extensions
// (backing format, feature name table, end marker) and backing file name,
// in qcow2_update_header's order.
func (l *layout) headerCluster() ([]byte, error) {
	o := l.opts
	h := Header{
		Version:               o.Compat.Version(),
		ClusterBits:           l.clusterBits,
		Size:                  uint64(o.Size),
		L1Size:                uint32(l.l1Size),
		RefcountTableOffset:   uint64(l.a.tableCluster * l.cs),
		RefcountTableClusters: uint32(l.a.tableClusters),
		RefcountOrder:         o.refcountOrder(),
		HeaderLength:          offV2End,
		CompressionType:       o.CompressionType,
	}
	if l.l1Size > 0 {
		h.L1TableOffset = uint64(l.l1Cluster * l.cs)
	}
	if h.Version == 3 {
		h.HeaderLength = headerLengthWithComp
		if o.CompressionType != CompressionZlib {
			h.Incompatible |= IncompatCompression
		}
		if o.ExtendedL2 {
			h.Incompatible |= IncompatExtendedL2
		}
		if o.LazyRefcounts {
			h.Compatible |= CompatLazyRefcounts
		}
	}
	b := make([]byte, h.HeaderLength)
	if o.BackingFormat != "" {
		b = encodeExtension(b, ExtBackingFormat, []byte(o.BackingFormat))
	}
	if h.Version == 3 && l.cs > featureTableMinCluster {
		var table []byte
		for _, f := range KnownFeatures {
			var e [featureEntrySize]byte
			e[0], e[1] = byte(f.Type), f.Bit
			copy(e[2:], f.Name)
			table = append(table, e[:]...)
		}
		b = encodeExtension(b, ExtFeatureNames, table)
	}
	b = append(b, make([]byte, extHeaderSize)...) // end of extensions
	if o.BackingFile != "" {
		h.BackingFileOffset, h.BackingFileSize = uint64(len(b)), uint32(len(o.BackingFile))
		b = append(b, o.BackingFile...)
	}
	if int64(len(b)) > l.cs {
		return nil, fmt.Errorf("%w: the backing file name (%d bytes) does not fit in the first %d-byte cluster with the header (try a larger cluster size or a shorter name)",
			ErrInvalidOption, len(o.BackingFile), l.cs)
	}
	h.encode(b)
	return b, nil
}

// metadataExtents returns the refcount table, refcount blocks, L1 and L2
// tables as generators.
func (l *layout) metadataExtents() []Extent {
	a := l.a
	var ext []Extent
	table := a.reftable
	ext = append(ext, Extent{Offset: a.tableCluster * l.cs, Length: a.tableClusters * l.cs,
		Fill: func(off int64, p []byte) { fillTable(p, off, 8, l.tableEntry(table)) }})
	for b, c := range a.reftable {
		if c != 0 {
			b := int64(b)
			ext = append(ext, Extent{Offset: c * l.cs, Length: l.cs,
				Fill: func(off int64, p []byte) { l.fillRefblock(b, off, p) }})
		}
	}
	hasL2 := false
	for i, c := range l.l2 {
		if c != 0 {
			hasL2 = true
			i := int64(i)
			ext = append(ext, Extent{Offset: c * l.cs, Length: l.cs,
				Fill: func(off int64, p []byte) { l.fillL2(i, off, p) }})
		}
	}
	if hasL2 {
		ext = append(ext, Extent{Offset: l.l1Cluster * l.cs, Length: l.l1Size * 8,
			Fill: func(off int64, p []byte) {
				fillTable(p, off, 8, func(j int64) uint64 {
					if l.l2[j] == 0 {
						return 0
					}
					return uint64(l.l2[j]*l.cs) | entryCopied
				})
			}})
	}
	return ext
}

// tableEntry returns the refcount table entry function for table.
func (l *layout) tableEntry(table []int64) func(int64) uint64 {
	return func(j int64) uint64 {
		if j >= int64(len(table)) {
			return 0
		}
		return uint64(table[j] * l.cs)
	}
}

// addStaleTables adds the refcount tables qemu wrote and freed, where
// nothing written later covers them, keeping ext sorted.
func (l *layout) addStaleTables(ext []Extent) []Extent {
	var add []Extent
	for _, st := range l.a.stale {
		start, end := st.cluster*l.cs, (st.cluster+int64(len(st.entries))*8/l.cs)*l.cs
		value := l.tableEntry(st.entries)
		for c := start; c < end; c += l.cs {
			i := sort.Search(len(ext), func(i int) bool { return ext[i].Offset+ext[i].Length > c })
			if i < len(ext) && ext[i].Offset < c+l.cs {
				continue
			}
			base := (c - start) / 8
			add = append(add, Extent{Offset: c, Length: l.cs, Fill: func(off int64, p []byte) {
				fillTable(p, off, 8, func(j int64) uint64 { return value(base + j) })
			}})
		}
	}
	if len(add) == 0 {
		return ext
	}
	slices.SortFunc(add, func(a, b Extent) int { return cmp.Compare(a.Offset, b.Offset) })
	merged := make([]Extent, 0, len(ext)+len(add))
	for len(ext) > 0 || len(add) > 0 {
		if len(add) == 0 || (len(ext) > 0 && ext[0].Offset < add[0].Offset) {
			merged, ext = append(merged, ext[0]), ext[1:]
		} else {
			merged, add = append(merged, add[0]), add[1:]
		}
	}
	return merged
}

// fillTable writes the big-endian entries of a table of entrySize-byte
// entries (8 or 16; the second half of a 16-byte entry is zero) into p,
// which holds the table's bytes from off on.
func fillTable(p []byte, off, entrySize int64, value func(j int64) uint64) {
	clear(p)
	var e [16]byte
	for j := off / entrySize; j*entrySize < off+int64(len(p)); j++ {
		binary.BigEndian.PutUint64(e[:8], value(j))
		lo := j * entrySize
		src := e[:entrySize]
		dst := lo - off
		if dst < 0 {
			src, dst = src[-dst:], 0
		}
		copy(p[dst:], src)
	}
}

// fillL2 generates L2 table i: every mapped guest cluster points at its
// host cluster with the COPIED flag; extended entries have an all-zero
// subcluster bitmap, as qemu leaves preallocated clusters.
func (l *layout) fillL2(i, off int64, p []byte) {
	es := l2EntrySize(l.opts.ExtendedL2)
	base := i * l.perL2
	k := sort.Search(len(l.runs), func(k int) bool { return l.runs[k].guest+l.runs[k].n > base+off/es })
	fillTable(p, off, es, func(j int64) uint64 {
		g := base + j
		for k < len(l.runs) && l.runs[k].guest+l.runs[k].n <= g {
			k++
		}
		if k == len(l.runs) || l.runs[k].guest > g {
			return 0
		}
		r := l.runs[k]
		return uint64((r.host+g-r.guest)*l.cs) | entryCopied
	})
}

// fillRefblock generates refcount block b: refcount 1 for every used
// cluster it covers. Refcounts narrower than a byte are packed from the
// least significant bit, wider ones are big-endian (qemu's layout).
func (l *layout) fillRefblock(b, off int64, p []byte) {
	clear(p)
	a := l.a
	w := int64(1) << a.refcountOrder
	first := b * a.refsPerBlock
	lo, hi := first+off*8/w, first+ceilDiv((off+int64(len(p)))*8, w) // clusters p touches
	for i := a.used.find(lo); i < len(a.used) && a.used[i].start < hi; i++ {
		for c := max(a.used[i].start, lo); c < min(a.used[i].end, hi); c++ {
			bit := (c - first) * w
			if w >= 8 {
				if k := (bit+w)/8 - 1 - off; k >= 0 && k < int64(len(p)) {
					p[k] = 1
				}
			} else if k := bit/8 - off; k >= 0 && k < int64(len(p)) {
				p[k] |= 1 << (bit % 8)
			}
		}
	}
}
