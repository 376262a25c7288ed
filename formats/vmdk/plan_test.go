package vmdk

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/instar-go/instar/internal/testenv"
)

// planCase is one qemu-img create invocation and the Options meaning the
// same thing.
type planCase struct {
	size string   // qemu-img size argument
	args []string // qemu-img -o arguments
	opts Options  // Size, FileName and CID are filled in by the test
}

var planCases = []planCase{
	{size: "1M"},
	{size: "1000000"}, // rounded up to a sector by both
	{size: "1G", args: []string{"-o", "adapter_type=buslogic"}, opts: Options{AdapterType: AdapterBusLogic}},
	{size: "1G", args: []string{"-o", "adapter_type=lsilogic"}, opts: Options{AdapterType: AdapterLSILogic}},
	{size: "1G", args: []string{"-o", "adapter_type=legacyESX"}, opts: Options{AdapterType: AdapterLegacyESX}},
	{size: "1G", args: []string{"-o", "adapter_type=ide"}, opts: Options{AdapterType: AdapterIDE}},
	{size: "3G", args: []string{"-o", "hwversion=7"}, opts: Options{HWVersion: "7"}},
	{size: "3G", args: []string{"-o", "hwversion=undefined"}, opts: Options{HWVersion: HWVersionUndefined}},
	{size: "3G", args: []string{"-o", "compat6=on"}, opts: Options{Compat6: true}},
	{size: "3G", args: []string{"-o", "toolsversion=10240"}, opts: Options{ToolsVersion: "10240"}},
	{size: "5G", args: []string{"-o", "zeroed_grain=on"}, opts: Options{ZeroedGrain: true}},
	{size: "5G", args: []string{"-o", "subformat=streamOptimized"}, opts: Options{Subformat: StreamOptimized}},
	{size: "5G", args: []string{"-o", "subformat=streamOptimized,zeroed_grain=on"}, opts: Options{Subformat: StreamOptimized, ZeroedGrain: true}},
	{size: "5G", args: []string{"-o", "subformat=monolithicSparse,adapter_type=lsilogic,hwversion=10,toolsversion=9"},
		opts: Options{AdapterType: AdapterLSILogic, HWVersion: "10", ToolsVersion: "9"}},
	{size: "100G"},
	{size: "1T", args: []string{"-o", "subformat=streamOptimized"}, opts: Options{Subformat: StreamOptimized}},
	{size: "2T"},
}

// TestPlanMatchesQemu plans each case with the CID qemu-img drew for its
// own image and requires the two files to be identical byte for byte; the
// planned image must then satisfy qemu-img info (equal to qemu's),
// qemu-img check and vmdkinfo.
func TestPlanMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	for _, c := range planCases {
		name := strings.Join(append([]string{c.size}, c.args...), " ")
		t.Run(name, func(t *testing.T) {
			qdir, idir := t.TempDir(), t.TempDir()
			q := qemuCreate(t, qdir, "disk.vmdk", c.size, c.args...)
			qinfo := infoJSON(t, q)
			cid := uint32(jsonInt(t, vmdkSpecific(t, qinfo)["cid"]))

			o := c.opts
			o.Size = jsonInt(t, qinfo["virtual-size"])
			o.FileName = q // qemu-img writes the basename; so must the plan
			o.CID = &cid
			p, err := PlanImage(o)
			if err != nil {
				t.Fatal(err)
			}
			mine := filepath.Join(idir, "disk.vmdk")
			writePlan(t, p, mine)
			testenv.SameFile(t, q, mine)

			if d := cmp.Diff(qinfo, infoJSON(t, mine)); d != "" {
				t.Errorf("qemu-img info differs (-qemu +planned):\n%s", d)
			}
			testenv.QemuCheck(t, "vmdk", mine)
			out := vmdkinfoRead(t, mine)
			for _, want := range []string{
				fmt.Sprintf("Content identifier: 0x%08x", cid),
				"Parent content identifier: 0xffffffff",
			} {
				if !hasLine(out, want) {
					t.Errorf("vmdkinfo lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(out, fmt.Sprintf("(%d bytes)", o.Size)) {
				t.Errorf("vmdkinfo does not show %d bytes:\n%s", o.Size, out)
			}
		})
	}
}

// TestPlanRandomCID: without Options.CID each plan draws its own CID, as
// qemu-img does per image. This is the one way a planned image's
// qemu-img info may differ from qemu's: the "cid" value.
func TestPlanRandomCID(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	q := qemuCreate(t, dir, "q.vmdk", "64M")
	seen := map[uint32]bool{}
	for i := range 3 {
		p, err := PlanImage(Options{Size: 64 << 20, FileName: "q.vmdk"})
		if err != nil {
			t.Fatal(err)
		}
		seen[p.CID] = true
		path := filepath.Join(t.TempDir(), "q.vmdk")
		writePlan(t, p, path)
		got, want := infoJSON(t, path), infoJSON(t, q)
		if c := uint32(jsonInt(t, vmdkSpecific(t, got)["cid"])); c != p.CID {
			t.Errorf("plan %d: qemu-img reads cid %#x, plan says %#x", i, c, p.CID)
		}
		delete(vmdkSpecific(t, got), "cid")
		delete(vmdkSpecific(t, want), "cid")
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("qemu-img info differs beyond the CID (-qemu +planned):\n%s", d)
		}
	}
	if len(seen) < 2 {
		t.Errorf("three plans drew the same CID %v", seen)
	}
}

// TestPlanChild plans a child of a qemu-made parent with the parent's CID
// as this package parses it, and compares it with qemu-img's own child.
func TestPlanChild(t *testing.T) {
	testenv.RequireQemuImg(t)
	for _, sub := range []Subformat{MonolithicSparse, StreamOptimized} {
		t.Run(sub.String(), func(t *testing.T) {
			qdir, idir := t.TempDir(), t.TempDir()
			parent := qemuCreate(t, qdir, "base.vmdk", "200M")
			pinfo := infoJSON(t, parent)
			parentCID := parseFile(t, parent).Info().CID
			if want := uint32(jsonInt(t, vmdkSpecific(t, pinfo)["cid"])); parentCID != want {
				t.Fatalf("parsed parent CID %#x, qemu-img says %#x", parentCID, want)
			}
			child := qemuCreate(t, qdir, "child.vmdk", "200M", "-b", "base.vmdk", "-F", "vmdk", "-o", "subformat="+sub.String())
			childCID := parseFile(t, child).Info().CID

			p, err := PlanImage(Options{Size: 200 << 20, FileName: "child.vmdk", Subformat: sub,
				BackingFile: "base.vmdk", ParentCID: &parentCID, CID: &childCID})
			if err != nil {
				t.Fatal(err)
			}
			mine := filepath.Join(idir, "child.vmdk")
			writePlan(t, p, mine)
			testenv.SameFile(t, child, mine)

			// Beside the parent, qemu-img opens the chain.
			beside := filepath.Join(qdir, "planned.vmdk")
			p2, err := PlanImage(Options{Size: 200 << 20, FileName: "planned.vmdk", Subformat: sub,
				BackingFile: "base.vmdk", ParentCID: &parentCID})
			if err != nil {
				t.Fatal(err)
			}
			writePlan(t, p2, beside)
			ci := infoJSON(t, beside)
			if got := uint32(jsonInt(t, vmdkSpecific(t, ci)["parent-cid"])); got != parentCID {
				t.Errorf("child parent-cid %#x, parent cid %#x", got, parentCID)
			}
			if ci["backing-filename"] != "base.vmdk" || ci["backing-filename-format"] != "vmdk" {
				t.Errorf("child backing %v (%v)", ci["backing-filename"], ci["backing-filename-format"])
			}
			testenv.QemuCheck(t, "vmdk", beside)
			testenv.QemuImg(t, "info", "--backing-chain", beside)
			if out := vmdkinfoRead(t, beside); !hasLine(out, fmt.Sprintf("Parent content identifier: 0x%08x", parentCID)) {
				t.Errorf("vmdkinfo does not show the parent CID %#x:\n%s", parentCID, out)
			}
		})
	}
}

// TestPlanChildUnknownParent: without a parent CID the child carries
// NoParentCID, the value qemu writes for "no parent".
func TestPlanChildUnknownParent(t *testing.T) {
	p, err := PlanImage(Options{Size: 1 << 20, FileName: "c.vmdk", BackingFile: "../some/where.vmdk"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ParentCID != NoParentCID || !strings.Contains(p.Descriptor, "parentCID=ffffffff\n") {
		t.Errorf("parentCID %#x, descriptor:\n%s", p.ParentCID, p.Descriptor)
	}
	if !strings.Contains(p.Descriptor, `parentFileNameHint="../some/where.vmdk"`) {
		t.Errorf("hint not verbatim:\n%s", p.Descriptor)
	}
}

// TestPlanRoundTrip parses planned images back (no oracle needed).
func TestPlanRoundTrip(t *testing.T) {
	cid, pcid := uint32(0x1234abcd), uint32(0xfeed)
	for _, o := range []Options{
		{Size: 1 << 20, FileName: "a.vmdk", CID: &cid},
		{Size: 10<<30 + 512, FileName: "dir/b.vmdk", Subformat: StreamOptimized, AdapterType: AdapterLSILogic, CID: &cid},
		{Size: 7 << 20, FileName: "c.vmdk", ZeroedGrain: true, BackingFile: "p q.vmdk", ParentCID: &pcid, CID: &cid},
	} {
		p, err := PlanImage(o)
		if err != nil {
			t.Fatal(err)
		}
		b := planBytes(t, p)
		im, err := Parse(bytesReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		info := im.Info()
		if info.VirtualSize != o.Size || info.CID != cid || info.ClusterSize != GrainSize || info.CreateType != o.Subformat.String() {
			t.Errorf("%+v: parsed %+v", o, info)
		}
		if o.BackingFile != "" && (info.BackingFilename != o.BackingFile || info.ParentCID != pcid) {
			t.Errorf("%+v: parsed backing %q parent %#x", o, info.BackingFilename, info.ParentCID)
		}
		if info.AdapterType != o.AdapterType.String() {
			t.Errorf("adapter %q", info.AdapterType)
		}
	}
}

// TestPlanRefusals covers what PlanImage refuses, and where qemu-img
// refuses the same thing, that it does.
func TestPlanRefusals(t *testing.T) {
	long := strings.Repeat("a", MaxBackingFileLen+1)
	for _, c := range []struct {
		name string
		o    Options
		want error
		msg  string
		qemu []string // qemu-img create -o arguments it must refuse too
	}{
		{"monolithicFlat", Options{Subformat: MonolithicFlat}, ErrMultiFile, "multi-file VMDK output is not supported", nil},
		{"twoGbMaxExtentSparse", Options{Subformat: TwoGbMaxExtentSparse}, ErrMultiFile, "multi-file VMDK output is not supported", nil},
		{"twoGbMaxExtentFlat", Options{Subformat: TwoGbMaxExtentFlat}, ErrMultiFile, "multi-file VMDK output is not supported", nil},
		{"compat6 with hwversion", Options{Compat6: true, HWVersion: "6"}, ErrInvalidOption, "compat6 cannot be enabled with hwversion set", []string{"-o", "compat6=on,hwversion=6"}},
		{"size zero", Options{Size: 0}, ErrInvalidOption, "at least 512", nil},
		{"size above ceiling", Options{Size: MaxVirtualSize + 1}, ErrTooLarge, "256 TiB − 32 MiB", nil},
		{"quote in backing", Options{BackingFile: `a"b.vmdk`}, ErrPathNotRepresentable, "cannot hold", nil},
		{"newline in backing", Options{BackingFile: "a\nb.vmdk"}, ErrPathNotRepresentable, "cannot hold", nil},
		{"long backing", Options{BackingFile: long}, ErrPathNotRepresentable, "records intact", nil},
		{"quote in hwversion", Options{HWVersion: `7"`}, ErrInvalidOption, "break the descriptor", nil},
		{"quote in file name", Options{FileName: `x"y.vmdk`}, ErrPathNotRepresentable, "cannot hold", nil},
		{"huge toolsversion", Options{ToolsVersion: strings.Repeat("9", MaxDescriptorText)}, ErrInvalidOption, "reserves", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.o
			if o.Size == 0 && c.name != "size zero" {
				o.Size = 1 << 20
			}
			if o.FileName == "" {
				o.FileName = "x.vmdk"
			}
			_, err := PlanImage(o)
			var oe *OptionError
			if !errors.Is(err, c.want) || !errors.As(err, &oe) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("PlanImage: %v, want %v mentioning %q", err, c.want, c.msg)
			}
			if c.qemu != nil {
				args := append([]string{"create", "-f", "vmdk"}, c.qemu...)
				_, stderr, err := testenv.RunErr(testenv.RequireQemuImg(t), append(args, filepath.Join(t.TempDir(), "x.vmdk"), "1M")...)
				if err == nil || !strings.Contains(string(stderr), c.msg) {
					t.Errorf("qemu-img accepted or said otherwise: %v %s", err, stderr)
				}
			}
		})
	}
}

// TestOptionEnumsMatchQemu: every value ParseSubformat / ParseAdapterType
// accepts, qemu-img accepts; case variants both refuse.
func TestOptionEnumsMatchQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	try := func(opt string) bool {
		_, _, err := testenv.RunErr(qemu, "create", "-q", "-f", "vmdk", "-o", opt, filepath.Join(t.TempDir(), "x.vmdk"), "1M")
		return err == nil
	}
	for _, s := range Subformats {
		if got, err := ParseSubformat(s.String()); err != nil || got != s || !try("subformat="+s.String()) {
			t.Errorf("subformat %s: %v %v", s, got, err)
		}
		up := strings.ToUpper(s.String())
		if _, err := ParseSubformat(up); err == nil || try("subformat="+up) {
			t.Errorf("subformat %s accepted by one side", up)
		}
	}
	for _, a := range AdapterTypes {
		if got, err := ParseAdapterType(a.String()); err != nil || got != a || !try("adapter_type="+a.String()) {
			t.Errorf("adapter_type %s: %v %v", a, got, err)
		}
		up := strings.ToUpper(a.String())
		if _, err := ParseAdapterType(up); err == nil || try("adapter_type="+up) {
			t.Errorf("adapter_type %s accepted by one side", up)
		}
	}
}
