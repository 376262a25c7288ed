package vhdx

import "sort"

// span is a used range of the file.
type span struct {
	start, end uint64
	name       string
}

// usedSpans returns the header section, the log and the regions, sorted
// (Parse has checked that they do not overlap).
func (img *Image) usedSpans() []span {
	spans := []span{{0, headerSectionSize, "header section"}}
	if h := img.Header; h.LogLength > 0 {
		spans = append(spans, span{h.LogOffset, h.LogOffset + uint64(h.LogLength), "log"})
	}
	for _, r := range img.Regions {
		if r.Length > 0 {
			spans = append(spans, span{r.FileOffset, r.end(), regionName(r) + " region"})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	return spans
}

// overlaps returns the span of sorted, disjoint spans that [start, end)
// overlaps, if any.
func overlaps(spans []span, start, end uint64) (span, bool) {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].end > start })
	if i < len(spans) && spans[i].start < end {
		return spans[i], true
	}
	return span{}, false
}
