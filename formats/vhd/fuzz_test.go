package vhd

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
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

// FuzzPlanParent plans differencing children from arbitrary names and
// paths: PlanImage either refuses with a typed error or plans an image
// that Parse reads back with the same name and locator paths.
func FuzzPlanParent(f *testing.F) {
	f.Add("base.vhd", "base.vhd", "/srv/images/base.vhd")
	f.Add("../b ase.vhd", "../b ase.vhd", "/a/é/b.vhd")
	f.Add("a\\b", "a:b", "relative")
	f.Fuzz(func(t *testing.T, name, rel, abs string) {
		parent := Info{VirtualSize: 4 << 20, CurrentSize: 4 << 20, Geometry: Geometry{65535, 16, 255}}
		p, err := PlanImage(Options{UUID: &UUID{}, Time: time.Unix(timestampEpoch, 0),
			Parent: &Parent{Info: parent, Name: name, RelativePath: rel, AbsolutePath: abs}})
		if err != nil {
			if !errors.Is(err, ErrParentName) && !errors.Is(err, ErrParentPath) {
				t.Fatalf("untyped refusal %v", err)
			}
			return
		}
		b := make([]byte, p.Size)
		for _, e := range p.Extents {
			if e.Data != nil {
				copy(b[e.Offset:], e.Data)
			} else {
				e.Fill(0, b[e.Offset:e.Offset+e.Length])
			}
		}
		img, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if img.ParentName != name {
			t.Fatalf("parent name %q read back as %q", name, img.ParentName)
		}
		want := []Locator{}
		if abs != "" {
			want = append(want, Locator{Platform: PlatformW2ku, Path: strings.ReplaceAll(abs, "/", `\`)})
		}
		if rel != "" {
			w := strings.ReplaceAll(rel, "/", `\`)
			if !strings.HasPrefix(w, `.\`) && !strings.HasPrefix(w, `..\`) {
				w = `.\` + w
			}
			want = append(want, Locator{Platform: PlatformW2ru, Path: w})
		}
		if len(img.Locators) != len(want) {
			t.Fatalf("locators %+v, want %+v", img.Locators, want)
		}
		for i, l := range img.Locators {
			if l.Platform != want[i].Platform || l.Path != want[i].Path {
				t.Fatalf("locator %d %+v, want %+v", i, l, want[i])
			}
		}
	})
}
