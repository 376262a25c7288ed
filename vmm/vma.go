package vmm

import "sort"

// protection is what a range of guest address space allows.
type protection uint8

const (
	// protNone reserves address space; touching it is a guest fault.
	protNone protection = iota
	// protRW is committed memory, backed on first touch.
	protRW
)

// span is a half-open range [start, end) of guest virtual addresses.
type span struct {
	start, end uint64
	prot       protection
}

// spanSet is a sorted list of disjoint spans: the guest's mappings as its
// mmap, munmap and mprotect calls left them.
type spanSet struct {
	spans []span
}

// maxSpans bounds the bookkeeping a guest can make the host keep.
const maxSpans = 1 << 16

// find returns the span holding addr.
func (s *spanSet) find(addr uint64) (span, bool) {
	i := sort.Search(len(s.spans), func(i int) bool { return s.spans[i].end > addr })
	if i < len(s.spans) && s.spans[i].start <= addr {
		return s.spans[i], true
	}
	return span{}, false
}

// firstOverlap returns the first span that intersects [start, end).
func (s *spanSet) firstOverlap(start, end uint64) (span, bool) {
	i := sort.Search(len(s.spans), func(i int) bool { return s.spans[i].end > start })
	if i < len(s.spans) && s.spans[i].start < end {
		return s.spans[i], true
	}
	return span{}, false
}

// overlaps reports whether any span intersects [start, end).
func (s *spanSet) overlaps(start, end uint64) bool {
	_, ok := s.firstOverlap(start, end)
	return ok
}

// each calls f for the part of every span that intersects [start, end).
func (s *spanSet) each(start, end uint64, f func(span)) {
	i := sort.Search(len(s.spans), func(i int) bool { return s.spans[i].end > start })
	for ; i < len(s.spans) && s.spans[i].start < end; i++ {
		sp := s.spans[i]
		sp.start, sp.end = max(sp.start, start), min(sp.end, end)
		f(sp)
	}
}

// remove deletes [start, end) from the set, splitting spans at the edges.
func (s *spanSet) remove(start, end uint64) {
	out := s.spans[:0:0]
	for _, sp := range s.spans {
		if sp.end <= start || sp.start >= end {
			out = append(out, sp)
			continue
		}
		if sp.start < start {
			out = append(out, span{sp.start, start, sp.prot})
		}
		if sp.end > end {
			out = append(out, span{end, sp.end, sp.prot})
		}
	}
	s.spans = out
}

// set makes [start, end) one span with prot, merging equal neighbours. It
// reports false, changing nothing, when the set would grow past maxSpans.
func (s *spanSet) set(start, end uint64, prot protection) bool {
	if len(s.spans)+2 > maxSpans {
		return false
	}
	s.remove(start, end)
	i := sort.Search(len(s.spans), func(i int) bool { return s.spans[i].start >= end })
	s.spans = append(s.spans, span{})
	copy(s.spans[i+1:], s.spans[i:])
	s.spans[i] = span{start, end, prot}
	// Merge with the right, then the left neighbour.
	if i+1 < len(s.spans) && s.spans[i+1].start == end && s.spans[i+1].prot == prot {
		s.spans[i].end = s.spans[i+1].end
		s.spans = append(s.spans[:i+1], s.spans[i+2:]...)
	}
	if i > 0 && s.spans[i-1].end == start && s.spans[i-1].prot == prot {
		s.spans[i-1].end = s.spans[i].end
		s.spans = append(s.spans[:i], s.spans[i+1:]...)
	}
	return true
}
