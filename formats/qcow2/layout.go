package qcow2

import "fmt"

// Bits of L1 and L2 entries (docs/interop/qcow2.txt, "Cluster mapping").
const (
	entryCopied = uint64(1) << 63 // refcount is exactly 1: writable in place
)

// Limits of qemu's request path that decide how preallocation splits into
// allocations, and so where refcount blocks land.
const (
	intMax          = 1<<31 - 1  // preallocate_co handles at most INT_MAX bytes per step
	maxRequestBytes = 0x7ffffe00 // BDRV_REQUEST_MAX_BYTES caps one cluster allocation
)

// dataRun maps n guest clusters from guest on to host clusters from host.
type dataRun struct{ guest, host, n int64 }

// layout is where qemu-img 7.2 puts every structure of a new image.
type layout struct {
	opts        Options
	clusterBits uint32
	cs          int64
	perL2       int64 // guest clusters one L2 table maps
	a           *allocator
	l1Cluster   int64
	l1Size      int64
	l2          []int64   // host cluster of each L2 table by L1 index, 0 = none
	runs        []dataRun // ascending guest order
	fileSize    int64
	prealloc    []Range
}

// newLayout replays qemu-img 7.2's creation of an image with options o
// (already normalised): qcow2_co_create writes the header, a one-cluster
// refcount table and one refcount block, allocates those three clusters,
// then grows the image to its size (L1 table, then preallocation).
func newLayout(o Options) (*layout, error) {
	l := &layout{opts: o, clusterBits: o.clusterBits(), cs: o.ClusterSize}
	l.perL2 = l.cs / l2EntrySize(o.ExtendedL2)
	a := newAllocator(l.clusterBits, o.refcountOrder())
	l.a = a
	a.reftable = make([]int64, a.tableEntries)
	a.reftable[0] = 2
	a.tableCluster, a.tableClusters = 1, 1
	if _, err := a.alloc(3); err != nil {
		return nil, err
	}
	l.fileSize = 3 * l.cs
	guestClusters := ceilDiv(o.Size, l.cs)
	if err := l.grow(guestClusters); err != nil {
		if err == errRefcountTableFull {
			return nil, fmt.Errorf("%w: %d bytes with %d-byte clusters, %d-bit refcounts and preallocation=%v need a refcount table larger than qemu's %d-byte limit (try a larger cluster size)",
				ErrTooLarge, o.Size, l.cs, o.RefcountBits, o.Preallocation, MaxRefcountTableBytes)
		}
		return nil, err
	}
	if !a.used.valid() {
		return nil, fmt.Errorf("qcow2: internal error: inconsistent cluster allocation for %+v", o)
	}
	l.fileSize = max(l.fileSize, (l.lastWrittenCluster()+1)*l.cs)
	return l, nil
}

// grow is qcow2_co_truncate from size 0: it allocates the L1 table, then
// preallocates as asked.
func (l *layout) grow(guestClusters int64) error {
	l.l1Size = ceilDiv(guestClusters, l.perL2)
	if l.l1Size > 0 {
		p, err := l.a.alloc(ceilDiv(l.l1Size*8, l.cs))
		if err != nil {
			return err
		}
		l.l1Cluster = p
		l.l2 = make([]int64, l.l1Size)
		l.fileSize = max(l.fileSize, p*l.cs+l.l1Size*8)
	}
	switch l.opts.Preallocation {
	case PreallocMetadata:
		return l.preallocateMetadata(guestClusters)
	case PreallocFalloc, PreallocFull:
		return l.preallocateData(guestClusters)
	}
	return nil
}

// ensureL2 gives guest cluster g an L2 table, as get_cluster_table does.
func (l *layout) ensureL2(g int64) error {
	i := g / l.perL2
	if l.l2[i] != 0 {
		return nil
	}
	p, err := l.a.alloc(1)
	l.l2[i] = p
	return err
}

func (l *layout) addRun(g, h, n int64) {
	if k := len(l.runs) - 1; k >= 0 {
		if r := &l.runs[k]; r.guest+r.n == g && r.host+r.n == h {
			r.n += n
			return
		}
	}
	l.runs = append(l.runs, dataRun{g, h, n})
}

// preallocateMetadata replays preallocate_co: steps of at most INT_MAX bytes,
// each one qcow2_alloc_host_offset call that takes a fresh run of clusters
// and extends it in place for as long as it can, one L2 table at a time.
// The file is then extended to the end of the last step's data.
func (l *layout) preallocateMetadata(total int64) error {
	stepClusters := (intMax &^ (l.cs - 1)) / l.cs
	reqClusters := int64(maxRequestBytes) >> l.clusterBits
	var lastHost, lastGuest int64
	for g := int64(0); g < total; {
		end := g + min(total-g, stepClusters)
		first, host := g, int64(-1)
		for g < end {
			if err := l.ensureL2(g); err != nil {
				return err
			}
			n := min(end-g, l.perL2-g%l.perL2, reqClusters)
			var h int64
			if host < 0 {
				p, err := l.a.alloc(n)
				if err != nil {
					return err
				}
				h, host = p, p
			} else {
				h = host + (g - first)
				got, err := l.a.allocAt(h, n)
				if err != nil {
					return err
				}
				if got == 0 {
					break
				}
				n = got
			}
			l.addRun(g, h, n)
			g += n
		}
		lastHost, lastGuest = host, first
	}
	if total > 0 {
		// The last step ends at the image's last byte, rounded up to a
		// subcluster (the unit an extended-L2 allocation covers).
		sub := l.cs
		if l.opts.ExtendedL2 {
			sub = l.cs / 32
		}
		guestBytes := l.opts.Size - lastGuest*l.cs
		l.fileSize = max(l.fileSize, lastHost*l.cs+ceilDiv(guestBytes, sub)*sub)
	}
	return nil
}

// preallocateData replays the falloc/full branch of qcow2_co_truncate:
// refcount structures sized for all data and L2 tables are placed after the
// image's last used cluster, the data clusters right after them (the host
// must allocate or zero that range), then the L2 tables are created and
// filled in.
func (l *layout) preallocateData(total int64) error {
	a := l.a
	// qcow2_get_last_cluster scans down from the current end of the file,
	// which the refcount blocks written so far may have extended.
	used := max(ceilDiv(l.fileSize, l.cs), l.lastWrittenCluster()+1)
	last := int64(-1)
	for c := used - 1; c >= 0; c-- {
		if a.refcounted(c) {
			last = c
			break
		}
	}
	l2Tables := ceilDiv(total, l.perL2) + 1
	start, err := a.refcountArea(last+1, total+l2Tables, true, 0, 0)
	if err != nil {
		return err
	}
	if got, err := a.allocAt(start, total); err != nil || got != total {
		return fmt.Errorf("qcow2: internal error: preallocated %d of %d data clusters: %v", got, total, err)
	}
	l.fileSize = max(l.fileSize, (start+total)*l.cs)
	if total > 0 {
		l.prealloc = []Range{{Offset: start * l.cs, Length: total * l.cs}}
	}
	for g, h := int64(0), start; g < total; {
		n := min(total-g, l.perL2-g%l.perL2)
		if err := l.ensureL2(g); err != nil {
			return err
		}
		l.addRun(g, h, n)
		g, h = g+n, h+n
	}
	return nil
}

// lastWrittenCluster is the highest cluster any metadata write touched:
// refcount table, refcount blocks, L2 tables (all written whole).
func (l *layout) lastWrittenCluster() int64 {
	a := l.a
	last := a.tableCluster + a.tableClusters - 1
	for _, b := range a.reftable {
		last = max(last, b)
	}
	for _, t := range l.l2 {
		last = max(last, t)
	}
	return last
}
