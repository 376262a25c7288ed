package qcow2

import (
	"errors"
	"slices"
	"sort"
)

// This file models qemu's qcow2 cluster allocator (block/qcow2-refcount.c)
// closely enough to reproduce, cluster for cluster, the layout qemu-img 7.2
// gives a new image: first-fit allocation from a moving "free cluster
// index", refcount blocks placed where they describe themselves, the
// restart of an allocation after a refcount block was added (qemu's
// -EAGAIN), and the refcount table growing into a fresh self-describing
// area. All positions are cluster indices.

// errRestart is the model's -EAGAIN: refcount metadata was allocated while
// clusters were being reserved, so the caller must search again.
var errRestart = errors.New("restart allocation")

// errRefcountTableFull means the refcount table would exceed qemu's cap.
var errRefcountTableFull = errors.New("refcount table would exceed 8 MiB")

// span is a half-open range of clusters [start, end).
type span struct{ start, end int64 }

// spanSet is a sorted set of disjoint, non-adjacent spans: the clusters
// whose refcount is 1. New images are almost contiguous, so it stays short.
type spanSet []span

// find returns the index of the first span whose end is after c.
func (s spanSet) find(c int64) int {
	return sort.Search(len(s), func(i int) bool { return s[i].end > c })
}

func (s spanSet) contains(c int64) bool {
	i := s.find(c)
	return i < len(s) && s[i].start <= c
}

// add marks [start, end) used; the range must be free.
func (s *spanSet) add(start, end int64) {
	if start >= end {
		return
	}
	i := s.find(start - 1) // first span ending at or after start
	if i < len(*s) && (*s)[i].end == start {
		(*s)[i].end = end
		if i+1 < len(*s) && (*s)[i+1].start == end {
			(*s)[i].end = (*s)[i+1].end
			*s = slices.Delete(*s, i+1, i+2)
		}
		return
	}
	if i < len(*s) && (*s)[i].start == end {
		(*s)[i].start = start
		return
	}
	*s = slices.Insert(*s, i, span{start, end})
}

// remove marks [start, end) free; the range must be used.
func (s *spanSet) remove(start, end int64) {
	if start >= end {
		return
	}
	i := s.find(start)
	sp := (*s)[i]
	switch {
	case sp.start == start && sp.end == end:
		*s = slices.Delete(*s, i, i+1)
	case sp.start == start:
		(*s)[i].start = end
	case sp.end == end:
		(*s)[i].end = start
	default:
		(*s)[i].end = start
		*s = slices.Insert(*s, i+1, span{end, sp.end})
	}
}

// valid reports whether the spans are sorted, disjoint and non-adjacent,
// the invariant every operation relies on.
func (s spanSet) valid() bool {
	for i, sp := range s {
		if sp.start >= sp.end || (i > 0 && s[i-1].end >= sp.start) {
			return false
		}
	}
	return true
}

// nextUsed returns the first used span that overlaps [start, end), if any.
func (s spanSet) nextUsed(start, end int64) (span, bool) {
	i := s.find(start)
	if i < len(s) && s[i].start < end {
		return s[i], true
	}
	return span{}, false
}

// staleTable is a refcount table qemu wrote and later freed: its bytes stay
// in the file unless something else is written over them.
type staleTable struct {
	cluster int64
	entries []int64
}

// allocator is the state of qemu's refcount machinery for one new image.
type allocator struct {
	refsPerBlock  int64   // refcounts in one refcount block
	tableEntries  int64   // refcount table entries per cluster
	refcountOrder uint32  // log2 of the refcount width
	reftable      []int64 // refcount block cluster per table index, 0 = none
	tableCluster  int64   // where the refcount table lives
	tableClusters int64
	used          spanSet
	free          int64 // qemu's free_cluster_index
	stale         []staleTable
}

func newAllocator(clusterBits, refcountOrder uint32) *allocator {
	cs := int64(1) << clusterBits
	return &allocator{
		refsPerBlock:  cs * 8 >> refcountOrder,
		tableEntries:  cs / 8,
		refcountOrder: refcountOrder,
	}
}

func (a *allocator) hasBlock(b int64) bool { return b < int64(len(a.reftable)) && a.reftable[b] != 0 }

// refcounted reports whether cluster c has a nonzero refcount.
func (a *allocator) refcounted(c int64) bool {
	return a.hasBlock(c/a.refsPerBlock) && a.used.contains(c)
}

// findFree is qemu's alloc_clusters_noref: the first run of n clusters
// with refcount 0 at or after the free index, which moves past it.
func (a *allocator) findFree(n int64) int64 {
	p := a.free
	for {
		sp, ok := a.used.nextUsed(p, p+n)
		if !ok {
			break
		}
		p = sp.end
	}
	a.free = p + n
	return p
}

// increment is qemu's update_refcount(+1) over [start, start+n): it adds a
// refcount block wherever one is missing and, when it had to, undoes its
// partial work, moves the free index back to start and returns errRestart.
func (a *allocator) increment(start, n int64) error {
	for c := start; c < start+n; {
		b := c / a.refsPerBlock
		if !a.hasBlock(b) {
			if err := a.addBlock(c); err != nil {
				if err == errRestart {
					// qemu retries the same clusters first.
					a.free = min(a.free, start)
				}
				a.decrement(start, c-start)
				return err
			}
		}
		end := min(start+n, (b+1)*a.refsPerBlock)
		a.used.add(c, end)
		c = end
	}
	return nil
}

// decrement frees [start, start+n) and lowers the free index like
// update_refcount(-1).
func (a *allocator) decrement(start, n int64) {
	if n <= 0 {
		return
	}
	a.used.remove(start, start+n)
	a.free = min(a.free, start)
}

// alloc is qcow2_alloc_clusters: n contiguous clusters, searching again
// for as long as refcount metadata gets in the way.
func (a *allocator) alloc(n int64) (int64, error) {
	for {
		p := a.findFree(n)
		err := a.increment(p, n)
		if err == nil {
			return p, nil
		}
		if err != errRestart {
			return 0, err
		}
	}
}

// allocAt is qcow2_alloc_clusters_at: as many of the n clusters from p on
// as are free, returning how many it took.
func (a *allocator) allocAt(p, n int64) (int64, error) {
	for {
		i := n
		if sp, ok := a.used.nextUsed(p, p+n); ok {
			i = max(sp.start-p, 0)
		}
		err := a.increment(p, i)
		if err == nil {
			return i, nil
		}
		if err != errRestart {
			return 0, err
		}
	}
}

// addBlock is alloc_refcount_block for a cluster c whose refcount block is
// missing. It always ends in errRestart (or a hard error), as in qemu.
func (a *allocator) addBlock(c int64) error {
	b := c / a.refsPerBlock
	nb := a.findFree(1)
	if nb/a.refsPerBlock == b {
		a.used.add(nb, nb+1) // the new block describes itself
	} else if err := a.increment(nb, 1); err != nil {
		return err
	}
	if b < int64(len(a.reftable)) {
		a.reftable[b] = nb
		return errRestart
	}
	// The table is full: build a bigger one, with the refcount blocks that
	// describe it, right after everything used so far.
	blocksUsed := ceilDiv(max(c+1, nb+1), a.refsPerBlock)
	if _, err := a.refcountArea(blocksUsed*a.refsPerBlock, 0, false, b, nb); err != nil {
		return err
	}
	return errRestart
}

// refcountArea is qcow2_refcount_area: at start (where only free clusters
// follow) it places the missing refcount blocks and a new refcount table,
// covering themselves and additional clusters beyond them, switches to the
// new table and frees the old one. It returns the first cluster after the
// new structures.
func (a *allocator) refcountArea(start, additional int64, exact bool, newIndex, newBlock int64) (int64, error) {
	total := refcountBlocksFor(start+additional, a.refsPerBlock, a.tableEntries, !exact)
	size := total
	if !exact {
		size += ceilDiv(total, 2)
	}
	size = ceilDiv(size, a.tableEntries) * a.tableEntries
	if size*8 > MaxRefcountTableBytes {
		return 0, errRefcountTableFull
	}
	table := make([]int64, size)
	copy(table, a.reftable)
	if newBlock != 0 {
		table[newIndex] = newBlock
	}
	first := start / a.refsPerBlock
	missing := int64(0)
	for i := first; i < total; i++ {
		if table[i] == 0 {
			missing++
		}
	}
	tableAt := start + missing
	end := tableAt + size/a.tableEntries
	next := start
	for i := first; i < total; i++ {
		if table[i] == 0 {
			table[i] = next
			next++
		}
	}
	a.used.add(start, end)
	oldAt, oldLen := a.tableCluster, a.tableClusters
	a.stale = append(a.stale, staleTable{oldAt, a.reftable})
	a.reftable, a.tableCluster, a.tableClusters = table, tableAt, size/a.tableEntries
	a.decrement(oldAt, oldLen)
	return end, nil
}

// refcountBlocksFor is qcow2_refcount_metadata_size's count of refcount
// blocks needed for clusters plus the refcount structures themselves (the
// fixed point of blocks and table clusters). With generous, the table is
// assumed to grow by half again, as qemu does for an inexact table.
func refcountBlocksFor(clusters, perBlock, perTableCluster int64, generous bool) int64 {
	var table, blocks, last, n int64
	for {
		last = n
		blocks = ceilDiv(clusters+table+blocks, perBlock)
		table = ceilDiv(blocks, perTableCluster)
		n = clusters + blocks + table
		if n == last && generous {
			clusters += ceilDiv(table, 2)
			n = 0
			generous = false
		}
		if n == last {
			return blocks
		}
	}
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
