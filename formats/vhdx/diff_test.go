package vhdx

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// vhdiField returns the value vhdiinfo prints for a label, or "".
func vhdiField(out []byte, label string) string {
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(label) + `\s*:\s*(.*)$`).FindSubmatch(out)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}

// TestDifferencingChild plans children of qemu-made parents and checks
// them with vhdiinfo (qemu-img cannot open differencing VHDX): the parent
// identifier vhdiinfo reads from the child must be the identifier it reads
// from the parent, and the absolute path must come back as written.
func TestDifferencingChild(t *testing.T) {
	testenv.RequireQemuImg(t)
	vhdiinfo := testenv.RequireTool(t, "vhdiinfo")
	cases := []struct {
		size, opts string
		parent     Parent
		blockSize  uint64
	}{
		{"1G", "", Parent{RelativePath: "parent.vhdx", AbsoluteWin32Path: `d:\vms\parent.vhdx`}, 0},
		{"3G", "block_size=2M", Parent{RelativePath: "../base/parent.vhdx", AbsoluteWin32Path: `\\server\share\base\parent.vhdx`}, 2 << 20},
		{"100G", "", Parent{RelativePath: `sub\parent.vhdx`, VolumePath: `\\?\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\parent.vhdx`, AbsoluteWin32Path: `\\?\d:\parent.vhdx`}, 0},
		{"16M", "", Parent{RelativePath: "parent.vhdx"}, 0},
	}
	for _, c := range cases {
		t.Run(c.size+","+c.parent.RelativePath, func(t *testing.T) {
			ppath := qemuCreate(t, c.size, c.opts)
			parent := parseFile(t, ppath).Info()
			par := c.parent
			par.DataWriteGUID = parent.DataWriteGUID
			p, err := PlanImage(Options{Size: parent.VirtualSize, BlockSize: c.blockSize, Parent: &par})
			if err != nil {
				t.Fatal(err)
			}
			cpath := filepath.Join(t.TempDir(), "child.vhdx")
			writePlan(t, p, cpath)

			pout := testenv.Run(t, vhdiinfo, ppath)
			cout := testenv.Run(t, vhdiinfo, cpath)
			if got := vhdiField(cout, "Disk type"); got != "Differential" {
				t.Errorf("vhdiinfo disk type %q:\n%s", got, cout)
			}
			if got, want := vhdiField(cout, "Parent identifier"), vhdiField(pout, "Identifier"); got == "" || got != want {
				t.Errorf("child's parent identifier %q, parent's identifier %q", got, want)
			}
			if got, want := vhdiField(cout, "Media size"), vhdiField(pout, "Media size"); got != want {
				t.Errorf("child media size %q, parent %q", got, want)
			}
			if want := strings.ReplaceAll(par.AbsoluteWin32Path, "/", `\`); want != "" {
				if got := vhdiField(cout, "Parent filename"); got != want {
					t.Errorf("vhdiinfo parent filename %q, want %q", got, want)
				}
			}

			child := parseFile(t, cpath)
			info := child.Info()
			if info.DiskType != DiskDifferencing || info.Parent == nil || info.VirtualSize != parent.VirtualSize {
				t.Fatalf("parsed child: %+v", info)
			}
			if g, err := info.Parent.ParentLinkage(); err != nil || g != parent.DataWriteGUID {
				t.Errorf("ParentLinkage %v, %v; want %v", g, err, parent.DataWriteGUID)
			}
			if v, _ := info.Parent.Lookup(KeyRelativePath); v != strings.ReplaceAll(par.RelativePath, "/", `\`) {
				t.Errorf("relative_path %q", v)
			}
			if v, ok := info.Parent.Lookup(KeyVolumePath); ok != (par.VolumePath != "") || v != par.VolumePath {
				t.Errorf("volume_path %q, %v", v, ok)
			}
			// MS-VHDX 2.5: a differencing BAT has a sector bitmap entry
			// after every chunk of 2^23*512/BlockSize payload entries,
			// for whole chunks only.
			ratio := uint64(1<<23) * 512 / uint64(p.BlockSize)
			blocks := (parent.VirtualSize + uint64(p.BlockSize) - 1) / uint64(p.BlockSize)
			if want := (blocks + ratio - 1) / ratio * (ratio + 1); child.BATEntries != want {
				t.Errorf("BAT entries %d, want %d", child.BATEntries, want)
			}
		})
	}
}

// TestEmptyDifferencingChild: a 0-byte child has no BAT entry, but its
// BAT region must still be 1 MiB, since readers refuse an empty region.
// (vhdiinfo refuses every 0-byte VHDX, qemu's too, so this is not an
// oracle test.)
func TestEmptyDifferencingChild(t *testing.T) {
	g := mustGUID("27618972-0b56-3e47-8b0a-915d7783c6e3")
	p, err := PlanImage(Options{Parent: &Parent{DataWriteGUID: g, RelativePath: "empty.vhdx"}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := Parse(p, p.Size)
	if err != nil {
		t.Fatal(err)
	}
	if img.BATEntries != 0 || img.BAT.Length != mib || !img.HasParent {
		t.Errorf("BAT %+v with %d entries, has parent %v", img.BAT, img.BATEntries, img.HasParent)
	}
}

func TestParentOptionErrors(t *testing.T) {
	g := mustGUID("27618972-0b56-3e47-8b0a-915d7783c6e3")
	long := strings.Repeat("a", 40000)
	cases := []struct {
		name string
		o    Options
		want []error
	}{
		{"POSIX absolute as relative", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, RelativePath: "/srv/parent.vhdx"}}, []error{ErrPathNotRepresentable}},
		{"drive path as relative", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, RelativePath: `c:\parent.vhdx`}}, []error{ErrPathNotRepresentable}},
		{"POSIX absolute as Windows", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, AbsoluteWin32Path: "/srv/parent.vhdx"}}, []error{ErrPathNotRepresentable}},
		{"bad volume path", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, VolumePath: `c:\x`}}, []error{ErrPathNotRepresentable}},
		{"NUL in path", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, RelativePath: "a\x00b"}}, []error{ErrPathNotRepresentable}},
		{"invalid UTF-8", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, RelativePath: "a\xffb"}}, []error{ErrPathNotRepresentable}},
		{"path too long", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g, RelativePath: long}}, []error{ErrPathNotRepresentable}},
		{"no path", Options{Size: 1 << 30, Parent: &Parent{DataWriteGUID: g}}, []error{ErrInvalidOption}},
		{"no GUID", Options{Size: 1 << 30, Parent: &Parent{RelativePath: "p.vhdx"}}, []error{ErrInvalidOption}},
		{"fixed child", Options{Size: 1 << 30, Subformat: SubformatFixed, Parent: &Parent{DataWriteGUID: g, RelativePath: "p.vhdx"}}, []error{ErrInvalidOption}},
		{"zero blocks in a child", Options{Size: 1 << 30, BlockStateZero: boolp(true), Parent: &Parent{DataWriteGUID: g, RelativePath: "p.vhdx"}}, []error{ErrInvalidOption}},
		{"everything at once", Options{Size: MaxVirtualSize + 1, BlockSize: 3 << 20, LogSize: 5 << 30, Parent: &Parent{RelativePath: "/x"}},
			[]error{ErrTooLarge, ErrInvalidOption, ErrPathNotRepresentable}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.o.Validate()
			if _, perr := PlanImage(c.o); (perr == nil) != (err == nil) {
				t.Fatalf("Validate %v but PlanImage %v", err, perr)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			t.Log(err)
			for _, w := range c.want {
				if !errors.Is(err, w) {
					t.Errorf("%v does not wrap %v", err, w)
				}
			}
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Option == "" || oe.Msg == "" {
				t.Errorf("not an *OptionError naming the option: %#v", err)
			}
		})
	}
}
