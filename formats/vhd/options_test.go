package vhd

import (
	"errors"
	"testing"
)

// TestPlanImageRefusals covers options PlanImage must refuse.
func TestPlanImageRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want error
	}{
		{"negative size", Options{Size: -512}, ErrInvalidOption},
		{"unknown subformat", Options{Size: 1 << 20, Subformat: Subformat(7)}, ErrInvalidOption},
		{"above 2040 GiB", Options{Size: MaxVirtualSize + 1}, ErrTooLarge},
		{"fixed above 2040 GiB", Options{Size: MaxVirtualSize + 1, Subformat: SubformatFixed, ForceSize: true}, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := PlanImage(tc.o); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	if Subformat(7).String() != "Subformat(7)" || SubformatFixed.String() != "fixed" {
		t.Error("Subformat.String")
	}
}

// TestPlanRandomUUID: without a caller UUID every plan draws a fresh
// version 4 UUID, as qemu does.
func TestPlanRandomUUID(t *testing.T) {
	var seen [2]UUID
	for i := range seen {
		p, err := PlanImage(Options{Size: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		copy(seen[i][:], p.Extents[0].Data[footUUID:])
		if seen[i][6]>>4 != 4 || seen[i][8]>>6 != 2 {
			t.Errorf("UUID %s is not a version 4 UUID", seen[i])
		}
	}
	if seen[0] == seen[1] {
		t.Errorf("two plans drew the same UUID %s", seen[0])
	}
}
