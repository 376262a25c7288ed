package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// matrixParents are every format and subformat qemu-img makes that a child
// can stack on, as qemu-img create arguments before the file name.
var matrixParents = []struct {
	name, format string
	args         []string
}{
	{"p.raw", "raw", []string{"-f", "raw"}},
	{"p3.qcow2", "qcow2", []string{"-f", "qcow2"}},
	{"p2.qcow2", "qcow2", []string{"-f", "qcow2", "-o", "compat=0.10"}},
	{"sparse.vmdk", "vmdk", []string{"-f", "vmdk"}},
	{"stream.vmdk", "vmdk", []string{"-f", "vmdk", "-o", "subformat=streamOptimized"}},
	{"flat.vmdk", "vmdk", []string{"-f", "vmdk", "-o", "subformat=monolithicFlat"}},
	{"twogbs.vmdk", "vmdk", []string{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse"}},
	{"twogbf.vmdk", "vmdk", []string{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat"}},
	{"dyn.vhd", "vpc", []string{"-f", "vpc"}},
	{"fixed.vhd", "vpc", []string{"-f", "vpc", "-o", "subformat=fixed"}},
	{"dyn.vhdx", "vhdx", []string{"-f", "vhdx"}},
	{"fixed.vhdx", "vhdx", []string{"-f", "vhdx", "-o", "subformat=fixed"}},
}

// childFormats maps each child format to the parent formats it can record:
// qcow2 any, the others only their own (a VMDK, VHD or VHDX child links to
// its parent by an identity only a parent of the same format has).
var childFormats = map[string]func(parent string) bool{
	"qcow2": func(string) bool { return true },
	"vmdk":  func(p string) bool { return p == "vmdk" },
	"vpc":   func(p string) bool { return p == "vpc" },
	"vhdx":  func(p string) bool { return p == "vhdx" },
}

// TestCreateEveryChildOverEveryParent creates each child format over each
// parent it can have and checks the child with an oracle: qemu-img check
// and info for qcow2 and vmdk, vhdiinfo for the differencing VHD and VHDX
// that qemu-img cannot open.
func TestCreateEveryChildOverEveryParent(t *testing.T) {
	dir := t.TempDir()
	sizes := map[string]any{}
	for _, p := range matrixParents {
		qemuImg(t, dir, append(append([]string{"create", "-q"}, p.args...), p.name, "20M")...)
		// -f: a fixed VHD probes as raw, whose size is the file's.
		sizes[p.name] = testenv.QemuInfo(t, p.format, filepath.Join(dir, p.name))["virtual-size"]
	}
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, p := range matrixParents {
			for child, accepts := range childFormats {
				if !accepts(p.format) {
					continue
				}
				name := strings.TrimPrefix(sandbox, "--sandbox=") + "-" + strings.ReplaceAll(p.name, ".", "-") + "." + child
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					instarOK(t, dir, "create", "-q", sandbox, "-f", child, "-b", p.name, "-F", p.format, name)
					path := filepath.Join(dir, name)
					switch child {
					case "qcow2", "vmdk":
						testenv.QemuCheck(t, child, path)
						if got := qemuInfoIn(t, dir, name)["virtual-size"]; got != sizes[p.name] {
							t.Errorf("%s over %s: virtual size %v, parent's %v", child, p.name, got, sizes[p.name])
						}
					default:
						checkDifferencing(t, filepath.Join(dir, p.name), path)
					}
				})
			}
		}
	})
}

// checkDifferencing reads a differencing VHD/VHDX child and its parent
// with vhdiinfo: the child must be differential, name the parent's
// identifier and have its size.
func checkDifferencing(t *testing.T, parent, child string) {
	t.Helper()
	vhdiinfo := testenv.RequireTool(t, "vhdiinfo")
	pout := testenv.Run(t, vhdiinfo, parent)
	cout := testenv.Run(t, vhdiinfo, child)
	if got := vhdiField(cout, "Disk type"); got != "Differential" {
		t.Errorf("%s: vhdiinfo disk type %q", child, got)
	}
	if got, want := vhdiField(cout, "Parent identifier"), vhdiField(pout, "Identifier"); got == "" || got != want {
		t.Errorf("%s: parent identifier %q, parent's identifier %q", child, got, want)
	}
	if got, want := vhdiField(cout, "Media size"), vhdiField(pout, "Media size"); got != want {
		t.Errorf("%s: media size %q, parent's %q", child, got, want)
	}
}

// vhdiField returns the value vhdiinfo prints for a label, or "".
func vhdiField(out []byte, label string) string {
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(label) + `\s*:\s*(.*)$`).FindSubmatch(out)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(string(m[1]))
}
