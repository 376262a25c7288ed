package vmm

import (
	"reflect"
	"testing"
)

func TestSpanSet(t *testing.T) {
	var s spanSet
	s.set(0x1000, 0x5000, protNone)
	s.set(0x2000, 0x3000, protRW) // split
	want := []span{{0x1000, 0x2000, protNone}, {0x2000, 0x3000, protRW}, {0x3000, 0x5000, protNone}}
	if !reflect.DeepEqual(s.spans, want) {
		t.Fatalf("after split: %v, want %v", s.spans, want)
	}
	s.set(0x1000, 0x2000, protRW) // merges with the right neighbour
	s.set(0x3000, 0x5000, protRW) // and then everything is one span
	if want := []span{{0x1000, 0x5000, protRW}}; !reflect.DeepEqual(s.spans, want) {
		t.Fatalf("after merge: %v, want %v", s.spans, want)
	}
	s.remove(0x2000, 0x4000)
	if want := []span{{0x1000, 0x2000, protRW}, {0x4000, 0x5000, protRW}}; !reflect.DeepEqual(s.spans, want) {
		t.Fatalf("after remove: %v, want %v", s.spans, want)
	}
	if _, ok := s.find(0x3000); ok {
		t.Error("found a removed address")
	}
	if sp, ok := s.find(0x4fff); !ok || sp.start != 0x4000 {
		t.Errorf("find(0x4fff) = %v, %v", sp, ok)
	}
	if !s.overlaps(0x1fff, 0x2001) || s.overlaps(0x2000, 0x4000) {
		t.Error("overlaps is wrong at the edges")
	}
}
