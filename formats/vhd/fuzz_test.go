package vhd

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, returns only typed errors,
// and that what it accepts is within qemu's limits and agrees with
// DetectFooter.
func FuzzParse(f *testing.F) {
	parent := Info{VirtualSize: 1 << 20, CurrentSize: 1 << 20, Geometry: Geometry{65535, 16, 255}}
	for _, o := range []Options{
		{Size: 0},
		{Size: 10 << 20},
		{Size: 10 << 20, ForceSize: true},
		{Size: 64 << 10, Subformat: SubformatFixed},
		{Parent: &Parent{Info: parent, Name: "p.vhd", RelativePath: "p.vhd", AbsolutePath: "/srv/p.vhd"}},
	} {
		f.Add(planBytes(f, o))
	}
	for _, tc := range hostileCases(f) {
		if tc.size == 0 {
			f.Add(tc.mutate(append([]byte(nil), tc.base...)))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("untyped error %v", err)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Fatalf("error offset %d outside the %d-byte input: %v", fe.Offset, len(b), err)
			}
			if len(b) >= FooterSize && DetectFooter(b) {
				if hf, herr := decodeFooter(b, 0); herr != nil || hf.DiskType == DiskTypeFixed {
					t.Fatalf("DetectFooter accepts the trailing footer but Parse fails: %v", err)
				}
			}
			return
		}
		inf := img.Info()
		if inf.VirtualSize < 0 || inf.VirtualSize > MaxVirtualSize || inf.VirtualSize%SectorSize != 0 {
			t.Fatalf("virtual size %d", inf.VirtualSize)
		}
		if inf.DiskType != DiskTypeFixed {
			if bs := inf.ClusterSize; bs < SectorSize || bs&(bs-1) != 0 {
				t.Fatalf("cluster size %d", bs)
			}
			if !Detect(b) {
				t.Fatal("a dynamic image that Detect does not see")
			}
		}
		if (inf.Parent != nil) != (inf.DiskType == DiskTypeDifferencing) {
			t.Fatalf("parent %+v for a %s disk", inf.Parent, inf.DiskType)
		}
	})
}
