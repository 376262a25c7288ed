package vhd

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// TestDifferencingChildVhdiinfo plans children of qemu-made parents and
// checks that vhdiinfo reports them as differential with the parent's
// identifier and the typed name, that qemu-img reads the parent's size
// from them, and that Parse reads back what was planned.
func TestDifferencingChildVhdiinfo(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		opts string
		size int64
	}{
		{"", 1 << 30},
		{"force_size=on", 1 << 30},
		{"subformat=fixed", 100 << 20},
		{"", 127 << 30},
	} {
		t.Run(tc.opts, func(t *testing.T) {
			parent := qemuCreate(t, dir, "base.vhd", tc.opts, tc.size)
			pimg, err := parseFile(t, parent)
			if err != nil {
				t.Fatal(err)
			}
			pinfo := pimg.Info()
			p, err := PlanImage(Options{Parent: &Parent{
				Info:         pinfo,
				Name:         "base.vhd",
				RelativePath: "base.vhd",
				AbsolutePath: parent,
			}})
			if err != nil {
				t.Fatal(err)
			}
			child := filepath.Join(dir, "child.vhd")
			writePlan(t, p, child)

			vi := vhdiinfo(t, child)
			if vi["Disk type"] != "Differential" {
				t.Errorf("vhdiinfo disk type %q, want Differential", vi["Disk type"])
			}
			if want := vhdiinfo(t, parent)["Identifier"]; vi["Parent identifier"] != want {
				t.Errorf("vhdiinfo parent identifier %q, want the parent's identifier %q", vi["Parent identifier"], want)
			}
			if vi["Parent filename"] != "base.vhd" {
				t.Errorf("vhdiinfo parent filename %q, want base.vhd", vi["Parent filename"])
			}
			qc, qp := testenv.QemuInfo(t, "vpc", child), testenv.QemuInfo(t, "vpc", parent)
			if qc["virtual-size"] != qp["virtual-size"] {
				t.Errorf("qemu-img virtual size of child %v, parent %v", qc["virtual-size"], qp["virtual-size"])
			}

			cimg, err := parseFile(t, child)
			if err != nil {
				t.Fatal(err)
			}
			ci := cimg.Info()
			if float64(ci.VirtualSize) != qc["virtual-size"] || float64(ci.ClusterSize) != qc["cluster-size"] {
				t.Errorf("Info sizes %d/%d, qemu-img %v/%v", ci.VirtualSize, ci.ClusterSize, qc["virtual-size"], qc["cluster-size"])
			}
			if ci.DiskType != DiskTypeDifferencing || ci.Parent == nil {
				t.Fatalf("child parsed as %s with parent %v", ci.DiskType, ci.Parent)
			}
			if ci.Parent.UUID != pinfo.UUID || ci.Parent.Timestamp != pinfo.Timestamp || ci.Parent.Name != "base.vhd" {
				t.Errorf("child parent ref %+v, parent UUID %s time stamp %d", ci.Parent, pinfo.UUID, pinfo.Timestamp)
			}
			wantAbs := strings.ReplaceAll(parent, "/", `\`)
			if len(ci.Parent.Locators) != 2 ||
				ci.Parent.Locators[0] != (Locator{PlatformW2ku, wantAbs, ci.Parent.Locators[0].Offset}) ||
				ci.Parent.Locators[1] != (Locator{PlatformW2ru, `.\base.vhd`, ci.Parent.Locators[1].Offset}) {
				t.Errorf("locators %+v, want W2ku %q and W2ru .\\base.vhd", ci.Parent.Locators, wantAbs)
			}
		})
	}
}

// TestDifferencingOptions covers the refusals of a differencing plan.
func TestDifferencingOptions(t *testing.T) {
	parent := Info{VirtualSize: 1073995776, CurrentSize: 1073995776, Geometry: Geometry{2081, 16, 63}, SizeFromGeometry: true}
	long := strings.Repeat("a", MaxParentNameUnits+1)
	for _, tc := range []struct {
		name string
		o    Options
		want error
	}{
		{"fixed", Options{Subformat: SubformatFixed, Parent: &Parent{Info: parent, Name: "b"}}, ErrInvalidOption},
		{"force_size", Options{ForceSize: true, Parent: &Parent{Info: parent, Name: "b"}}, ErrInvalidOption},
		{"size mismatch", Options{Size: 2 << 30, Parent: &Parent{Info: parent, Name: "b"}}, ErrParentSize},
		{"name too long", Options{Parent: &Parent{Info: parent, Name: long}}, ErrParentName},
		{"name NUL", Options{Parent: &Parent{Info: parent, Name: "a\x00b"}}, ErrParentPath},
		{"name invalid UTF-8", Options{Parent: &Parent{Info: parent, Name: "a\xffb"}}, ErrParentPath},
		{"relative backslash", Options{Parent: &Parent{Info: parent, Name: "b", RelativePath: `a\b.vhd`}}, ErrParentPath},
		{"relative colon", Options{Parent: &Parent{Info: parent, Name: "b", RelativePath: "a:b.vhd"}}, ErrParentPath},
		{"relative is absolute", Options{Parent: &Parent{Info: parent, Name: "b", RelativePath: "/b.vhd"}}, ErrParentPath},
		{"absolute is relative", Options{Parent: &Parent{Info: parent, Name: "b", AbsolutePath: "b.vhd"}}, ErrParentPath},
		{"absolute too long", Options{Parent: &Parent{Info: parent, Name: "b", AbsolutePath: "/" + strings.Repeat("a", MaxLocatorPathUnits)}}, ErrParentPath},
		{"time before 2000", Options{Time: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), Parent: &Parent{Info: parent, Name: "b"}}, ErrInvalidOption},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PlanImage(tc.o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	// The sizes qemu-img would round to the parent's size are accepted.
	for _, size := range []int64{0, 1 << 30, 1073995776} {
		if _, err := PlanImage(Options{Size: size, Parent: &Parent{Info: parent, Name: "b"}}); err != nil {
			t.Errorf("size %d: %v", size, err)
		}
	}
	// A name of exactly the field's capacity fits.
	if _, err := PlanImage(Options{Parent: &Parent{Info: parent, Name: long[1:]}}); err != nil {
		t.Errorf("name of %d units: %v", MaxParentNameUnits, err)
	}
}

// TestDifferencingLongNameVhdiinfo: a non-ASCII parent name that fills
// the Parent Unicode Name field exactly (no NUL terminator) reads back
// whole in vhdiinfo.
func TestDifferencingLongNameVhdiinfo(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	parent := qemuCreate(t, dir, "base.vhd", "", 1<<30)
	pimg, err := parseFile(t, parent)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("é", MaxParentNameUnits-1) + "z"
	p, err := PlanImage(Options{Parent: &Parent{Info: pimg.Info(), Name: name}})
	if err != nil {
		t.Fatal(err)
	}
	child := filepath.Join(dir, "child.vhd")
	writePlan(t, p, child)
	if got := vhdiinfo(t, child)["Parent filename"]; got != name {
		t.Errorf("vhdiinfo parent filename %q, want %q", got, name)
	}
	img, err := parseFile(t, child)
	if err != nil {
		t.Fatal(err)
	}
	if img.ParentName != name {
		t.Errorf("Parse: parent name %q, want %q", img.ParentName, name)
	}
}
