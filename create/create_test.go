package create

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/formats/vhdx"
	"github.com/instar-go/instar/internal/testenv"
)

// createCases are option sets instar creates and qemu-img creates too; the
// results must look the same to qemu-img info.
var createCases = [][]string{
	{"-f", "raw", "1M"},
	{"-f", "raw", "1000"},
	{"-f", "raw", "-o", "preallocation=falloc", "3M"},
	{"-f", "raw", "-o", "preallocation=full", "3M"},
	{"-f", "qcow2", "1G"},
	{"-f", "qcow2", "-o", "cluster_size=512,refcount_bits=1", "10M"},
	{"-f", "qcow2", "-o", "cluster_size=2M,refcount_bits=64", "10G"},
	{"-f", "qcow2", "-o", "preallocation=metadata", "10M"},
	{"-f", "qcow2", "-o", "preallocation=falloc", "10M"},
	{"-f", "qcow2", "-o", "preallocation=full", "4M"},
	{"-f", "qcow2", "-o", "compat=0.10", "1G"},
	{"-f", "qcow2", "-o", "extended_l2=on,lazy_refcounts=on", "1G"},
	{"-f", "vmdk", "1G"},
	{"-f", "vmdk", "-o", "subformat=streamOptimized", "1G"},
	{"-f", "vmdk", "-o", "zeroed_grain=on,adapter_type=lsilogic,hwversion=6", "1G"},
	{"-f", "vpc", "1G"},
	{"-f", "vpc", "-o", "force_size=on", "1G"},
	{"-f", "vpc", "-o", "subformat=fixed", "10M"},
	{"-f", "vpc", "-o", "subformat=fixed,force_size=on", "1000"},
	{"-f", "vhdx", "1G"},
	{"-f", "vhdx", "200G"},
	{"-f", "vhdx", "-o", "block_size=1M,log_size=2M", "10M"},
	{"-f", "vhdx", "-o", "subformat=fixed", "10M"},
	{"-f", "vhdx", "-o", "block_state_zero=off", "10M"},
}

// TestCreateMatchesQemu creates each case with instar (CreateFile) and with
// qemu-img and compares what qemu-img info reports, the file length and the
// Formatting line; vhdx images must also pass qemu-img check.
func TestCreateMatchesQemu(t *testing.T) {
	dir := t.TempDir()
	for _, c := range createCases {
		name := strings.Join(c, " ")
		format := c[1]
		ours, theirs := filepath.Join(dir, "ours."+format), filepath.Join(dir, "theirs."+format)
		args := append(append([]string{}, c[:len(c)-1]...), "ours."+format, c[len(c)-1])
		req := requestOf(t, args)
		res, err := CreateFile(req, nil, 0, ours)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		q := runQemuCreate(t, dir, append(append([]string{}, c[:len(c)-1]...), "theirs."+format, c[len(c)-1])...)
		if !q.ok {
			t.Fatalf("%s: qemu-img: %s", name, q.stderr)
		}
		if got, want := res.FormattingLine("x"), strings.Replace(q.formatting, "'theirs."+format+"'", "'x'", 1); got != want {
			t.Errorf("%s: Formatting\n%q\n%q", name, got, want)
		}
		qi, ti := testenv.QemuInfo(t, format, ours), testenv.QemuInfo(t, format, theirs)
		for _, key := range []string{"virtual-size", "cluster-size", "format"} {
			if qi[key] != ti[key] {
				t.Errorf("%s: %s = %v, qemu-img's image %v", name, key, qi[key], ti[key])
			}
		}
		if res.VirtualSize != qemuNumber(ti, "virtual-size") {
			t.Errorf("%s: Result.VirtualSize %d, qemu-img %v", name, res.VirtualSize, ti["virtual-size"])
		}
		if cs := qemuNumber(ti, "cluster-size"); res.ClusterSize != cs {
			t.Errorf("%s: Result.ClusterSize %d, qemu-img %d", name, res.ClusterSize, cs)
		}
		so, st := fileSize(t, ours), fileSize(t, theirs)
		if so != st || res.FileSize != so {
			t.Errorf("%s: file is %d bytes (Result %d), qemu-img's %d", name, so, res.FileSize, st)
		}
		// Preallocated data must be allocated as qemu-img allocates it;
		// otherwise instar may be sparser than qemu-img (it skips zeros).
		if ao, at := allocated(t, ours), allocated(t, theirs); strings.Contains(name, "preallocation=f") && ao < at*9/10 {
			t.Errorf("%s: allocated %d of %d bytes, qemu-img's %d of %d", name, ao, so, at, st)
		}
		if format != "vpc" && format != "raw" {
			testenv.QemuCheck(t, format, ours)
		}
		removeAll(t, ours)
		removeAll(t, theirs)
	}
}

// TestChildrenMatchQemu makes a qcow2 child of a parent of every format, and
// a vmdk child of a vmdk parent, with instar and with qemu-img, and compares
// what qemu-img info says about the two children.
func TestChildrenMatchQemu(t *testing.T) {
	dir := t.TempDir()
	makeParents(t, dir)
	for _, c := range []struct{ format, parent, parentFmt string }{
		{"qcow2", "base.raw", "raw"},
		{"qcow2", "base.qcow2", "qcow2"},
		{"qcow2", "base.vmdk", "vmdk"},
		{"qcow2", "base.vhd", "vpc"},
		{"qcow2", "fixed.vhd", "vpc"},
		{"qcow2", "base.vhdx", "vhdx"},
		{"vmdk", "base.vmdk", "vmdk"},
	} {
		name := c.format + " child of " + c.parent
		args := []string{"-f", c.format, "-b", c.parent, "-F", c.parentFmt}
		q := runQemuCreate(t, dir, append(args, "theirs")...)
		if !q.ok {
			t.Fatalf("%s: qemu-img: %s", name, q.stderr)
		}
		if _, err := instarCreate(t, dir, requestOf(t, append(args, "ours"))); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		oi, ti := testenv.QemuInfo(t, c.format, filepath.Join(dir, "ours")), testenv.QemuInfo(t, c.format, filepath.Join(dir, "theirs"))
		for _, key := range []string{"virtual-size", "cluster-size", "backing-filename", "backing-filename-format"} {
			if oi[key] != ti[key] {
				t.Errorf("%s: %s = %v, qemu-img's child %v", name, key, oi[key], ti[key])
			}
		}
		if c.format == "vmdk" {
			pi := testenv.QemuInfo(t, "vmdk", filepath.Join(dir, c.parent))
			cid := pi["format-specific"].(map[string]any)["data"].(map[string]any)["cid"]
			if got := oi["format-specific"].(map[string]any)["data"].(map[string]any)["parent-cid"]; got != cid {
				t.Errorf("%s: parent-cid %v, parent's cid %v", name, got, cid)
			}
		}
		testenv.QemuCheck(t, c.format, filepath.Join(dir, "ours"))
		removeAll(t, filepath.Join(dir, "ours"))
		removeAll(t, filepath.Join(dir, "theirs"))
	}
}

// TestChildRecordsOnlyItsParent makes a child of a qcow2 image that itself
// has a backing file: the child names its parent and nothing of the
// grandparent.
func TestChildRecordsOnlyItsParent(t *testing.T) {
	dir := t.TempDir()
	makeParents(t, dir)
	testenv.QemuImg(t, "create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", filepath.Join(dir, "mid.qcow2"))
	if _, err := instarCreate(t, dir, requestOf(t, []string{"-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "child.qcow2"})); err != nil {
		t.Fatal(err)
	}
	info := testenv.QemuInfo(t, "qcow2", filepath.Join(dir, "child.qcow2"))
	if info["backing-filename"] != "mid.qcow2" || info["backing-filename-format"] != "qcow2" {
		t.Errorf("child's backing: %v (%v)", info["backing-filename"], info["backing-filename-format"])
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "child.qcow2")); strings.Contains(string(b), "base.raw") {
		t.Error("the child records its grandparent's name")
	}
}

// TestBackingFormatMismatch checks that when -F contradicts the bytes, the
// bytes decide the size, a warning names both formats and the child records
// the format the user asserted.
func TestBackingFormatMismatch(t *testing.T) {
	dir := t.TempDir()
	makeParents(t, dir)
	f, size := openBacking(t, dir, "base.qcow2")
	child := filepath.Join(dir, "child.qcow2")
	res, err := CreateFile(&Request{Format: "qcow2", Filename: "child.qcow2", BackingFile: "base.qcow2", BackingFormat: "raw"}, f, size, child)
	if err != nil {
		t.Fatal(err)
	}
	parent := testenv.QemuInfo(t, "qcow2", filepath.Join(dir, "base.qcow2"))
	if res.VirtualSize != qemuNumber(parent, "virtual-size") {
		t.Errorf("child size %d, the qcow2 parent's %v", res.VirtualSize, parent["virtual-size"])
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "raw") || !strings.Contains(res.Warnings[0], "qcow2") {
		t.Errorf("warnings %q do not name both formats", res.Warnings)
	}
	if info := testenv.QemuInfo(t, "qcow2", child); info["backing-filename-format"] != "raw" {
		t.Errorf("child records backing format %v, the user asserted raw", info["backing-filename-format"])
	}
}

// TestDifferencingVHDChild makes a differencing VHD of a qemu-made parent
// and reads it back with vhdiinfo: the child names its parent's UUID.
func TestDifferencingVHDChild(t *testing.T) {
	testenv.RequireTool(t, "vhdiinfo")
	dir := t.TempDir()
	parent := makeParent(t, dir, 0, parentCase{VPC, "", "64M"})
	f, size := openBacking(t, dir, filepath.Base(parent))
	child := filepath.Join(dir, "child.vhd")
	res, err := CreateFile(&Request{Format: "vpc", Filename: "child.vhd", BackingFile: filepath.Base(parent), BackingFormat: "vpc"}, f, size, child)
	if err != nil {
		t.Fatal(err)
	}
	out := string(testenv.Run(t, "vhdiinfo", child))
	pi := string(testenv.Run(t, "vhdiinfo", parent))
	if !strings.Contains(out, "Differential") {
		t.Errorf("vhdiinfo does not see a differencing disk:\n%s", out)
	}
	id := vhdiField(pi, "Identifier")
	if id == "" || vhdiField(out, "Parent identifier") != id {
		t.Errorf("child's parent identifier %q, parent's identifier %q\n%s", vhdiField(out, "Parent identifier"), id, out)
	}
	if vhdiField(out, "Media size") != vhdiField(pi, "Media size") || res.VirtualSize != res.Backing.VirtualSize {
		t.Errorf("child media size %q, parent %q", vhdiField(out, "Media size"), vhdiField(pi, "Media size"))
	}
	if !strings.Contains(res.FormattingLine("child.vhd"), "backing_file="+filepath.Base(parent)+" backing_fmt=vpc") {
		t.Errorf("Formatting line %q lacks the backing", res.FormattingLine("child.vhd"))
	}

	// An explicit size different from the parent's is refused.
	_, err = CreateFile(&Request{Format: "vpc", Filename: "c2.vhd", Size: "1G", BackingFile: filepath.Base(parent), BackingFormat: "vpc"}, f, size, filepath.Join(dir, "c2.vhd"))
	if CodeOf(err) != ParentSizeMismatch {
		t.Errorf("size mismatch: %v (%v)", CodeOf(err), err)
	}
	// A VHDX parent for a VHD child is refused.
	vhdxParent := makeParent(t, dir, 1, parentCase{VHDX, "", "64M"})
	g, gsize := openBacking(t, dir, filepath.Base(vhdxParent))
	_, err = CreateFile(&Request{Format: "vpc", Filename: "c3.vhd", BackingFile: filepath.Base(vhdxParent), BackingFormat: "vhdx"}, g, gsize, filepath.Join(dir, "c3.vhd"))
	if CodeOf(err) != ParentFormatMismatch {
		t.Errorf("format mismatch: %v (%v)", CodeOf(err), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "c3.vhd")); err == nil {
		t.Error("a failed create left its target behind")
	}
}

// vhdiField returns the value of a "Name : value" line of vhdiinfo.
func vhdiField(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// fileSize returns a file's length.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestDifferencingVHDXChild makes a differencing VHDX of a qemu-made parent
// and parses it with the vhdx package: its parent_linkage is the parent's
// DataWriteGuid and its size the parent's. An absolute POSIX path cannot be
// recorded in a VHDX parent locator.
func TestDifferencingVHDXChild(t *testing.T) {
	dir := t.TempDir()
	parent := makeParent(t, dir, 0, parentCase{VHDX, "block_size=2M", "40M"})
	f, size := openBacking(t, dir, filepath.Base(parent))
	req := &Request{Format: "vhdx", Filename: "child.vhdx", BackingFile: filepath.Base(parent), BackingFormat: "vhdx"}
	res, err := CreateFile(req, f, size, filepath.Join(dir, "child.vhdx"))
	if err != nil {
		t.Fatal(err)
	}
	child := readFile(t, filepath.Join(dir, "child.vhdx"))
	img, err := vhdx.Parse(bytes.NewReader(child), int64(len(child)))
	if err != nil {
		t.Fatal(err)
	}
	info := img.Info()
	pb := readFile(t, parent)
	pimg, err := vhdx.Parse(bytes.NewReader(pb), int64(len(pb)))
	if err != nil {
		t.Fatal(err)
	}
	guid := pimg.Info().DataWriteGUID.String()
	link, _ := info.Parent.Lookup(vhdx.KeyParentLinkage)
	if info.DiskType != vhdx.DiskDifferencing || !strings.EqualFold(strings.Trim(link, "{}"), guid) {
		t.Errorf("child: type %v, parent_linkage %q, parent DataWriteGuid %s", info.DiskType, link, guid)
	}
	if want := qemuNumber(testenv.QemuInfo(t, "vhdx", parent), "virtual-size"); int64(info.VirtualSize) != want || res.VirtualSize != want {
		t.Errorf("child size %d (Result %d), parent %d", info.VirtualSize, res.VirtualSize, want)
	}
	req.BackingFile = parent // absolute
	if _, err := CreateFile(req, f, size, filepath.Join(dir, "c2.vhdx")); CodeOf(err) != ParentPathNotRepresentable {
		t.Errorf("absolute parent path: %v (%v)", CodeOf(err), err)
	}
}
