package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// makeParent creates a parent image in dir with instar or with qemu-img.
func makeParent(t *testing.T, maker, dir string, args ...string) {
	t.Helper()
	full := append([]string{"create", "-q"}, args...)
	if maker == "qemu-img" {
		qemuImg(t, dir, full...)
		return
	}
	instarOK(t, dir, full...)
}

var parentMakers = []string{"instar", "qemu-img"}

// and the backing reference it records.
func wantBacking(t *testing.T, dir, child string, size int64, backing, backingFmt string) {
	t.Helper()
	m := qemuInfoIn(t, dir, child)
	if got, _ := m["virtual-size"].(float64); int64(got) != size {
		t.Errorf("%s: virtual-size %v, want %d", child, m["virtual-size"], size)
	}
	if m["backing-filename"] != backing || m["backing-filename-format"] != backingFmt {
		t.Errorf("%s: backing %v (%v), want %s (%s)", child, m["backing-filename"], m["backing-filename-format"], backing, backingFmt)
	}
}

// TestCreateOverVHDXParent is the headline case: a qcow2 child of a vhdx
// parent whose size only a walk of the vhdx metadata reveals. The
// Formatting line is compared with qemu-img's for the same command.
func TestCreateOverVHDXParent(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, maker := range parentMakers {
			dir, qdir := t.TempDir(), t.TempDir()
			makeParent(t, maker, dir, "-f", "vhdx", "p.vhdx", "32M")
			qemuImg(t, qdir, "create", "-q", "-f", "vhdx", "p.vhdx", "32M")
			args := []string{"create", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "c.qcow2"}
			got := instarOK(t, dir, append(args, sandbox)...)
			want := qemuImg(t, qdir, args...)
			if got.stdout != want {
				t.Errorf("parent by %s: stdout\n%q\nwant qemu-img's\n%q", maker, got.stdout, want)
			}
			wantBacking(t, dir, "c.qcow2", 32<<20, "p.vhdx", "vhdx")
			testenv.QemuCheck(t, "qcow2", filepath.Join(dir, "c.qcow2"))
		}
	})
}

var (
	cidRE       = regexp.MustCompile(`(?m)^CID=([0-9a-fA-F]+)$`)
	parentCIDRE = regexp.MustCompile(`(?m)^parentCID=([0-9a-fA-F]+)$`)
)

// descriptorField reads one field of the text descriptor embedded in a
// monolithicSparse VMDK (it starts at sector 1).
func descriptorField(t *testing.T, path string, re *regexp.Regexp) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 64<<10 {
		b = b[:64<<10]
	}
	m := re.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s: no %s in the descriptor", path, re)
	}
	return string(m[1])
}

// TestCreateVMDKChildRecordsParentCID checks the one identity a VMDK child
// must copy from its parent, for parents made by both tools.
func TestCreateVMDKChildRecordsParentCID(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, maker := range parentMakers {
			dir := t.TempDir()
			makeParent(t, maker, dir, "-f", "vmdk", "p.vmdk", "32M")
			instarOK(t, dir, "create", "-q", sandbox, "-f", "vmdk", "-b", "p.vmdk", "-F", "vmdk", "c.vmdk")
			cid := descriptorField(t, filepath.Join(dir, "p.vmdk"), cidRE)
			parentCID := descriptorField(t, filepath.Join(dir, "c.vmdk"), parentCIDRE)
			if parentCID != cid || strings.EqualFold(parentCID, "ffffffff") {
				t.Errorf("parent by %s: child's parentCID %s, parent's CID %s", maker, parentCID, cid)
			}
			wantBacking(t, dir, "c.vmdk", 32<<20, "p.vmdk", "vmdk")
			testenv.QemuCheck(t, "vmdk", filepath.Join(dir, "c.vmdk"))
		}
	})
}

// TestCreateThreeLevelChain checks that a child records only its immediate
// parent: the grandparent's name appears nowhere in the top image.
func TestCreateThreeLevelChain(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		dir := t.TempDir()
		instarOK(t, dir, "create", "-q", sandbox, "-f", "qcow2", "grandparent.qcow2", "16M")
		instarOK(t, dir, "create", "-q", sandbox, "-f", "qcow2", "-b", "grandparent.qcow2", "-F", "qcow2", "mid.qcow2")
		instarOK(t, dir, "create", "-q", sandbox, "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "top.qcow2")
		wantBacking(t, dir, "top.qcow2", 16<<20, "mid.qcow2", "qcow2")
		top, err := os.ReadFile(filepath.Join(dir, "top.qcow2"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(top, []byte("grandparent")) {
			t.Error("top.qcow2 names its grandparent")
		}
		chain := qemuImg(t, dir, "info", "--backing-chain", "top.qcow2")
		if n := strings.Count(chain, "image: "); n != 3 {
			t.Errorf("qemu-img sees a chain of %d images, want 3:\n%s", n, chain)
		}
	})
}

// TestCreateBackingFormatMismatch checks -F raw over a qcow2 parent: the
// bytes decide the size (the parent's virtual size, not its file length)
// and stderr warns, naming both formats.
func TestCreateBackingFormatMismatch(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		dir := t.TempDir()
		qemuImg(t, dir, "create", "-q", "-f", "qcow2", "p.qcow2", "48M")
		r := instarOK(t, dir, "create", sandbox, "-f", "qcow2", "-b", "p.qcow2", "-F", "raw", "c.qcow2")
		if !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "raw") || !strings.Contains(r.stderr, "qcow2") {
			t.Errorf("stderr does not warn naming raw and qcow2:\n%s", r.stderr)
		}
		wantBacking(t, dir, "c.qcow2", 48<<20, "p.qcow2", "raw")
	})
}

// TestCreateBackingTooLarge checks the ceiling table: a 4 TiB raw backing
// does not fit qcow2 with 512-byte clusters.
func TestCreateBackingTooLarge(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "big.raw"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(filepath.Join(dir, "big.raw"), 4<<40); err != nil {
			t.Fatal(err)
		}
		r := instarFails(t, dir, "create", sandbox, "-f", "qcow2", "-b", "big.raw", "-F", "raw", "-o", "cluster_size=512", "c.qcow2")
		if !strings.Contains(r.stderr, "BACKING_SIZE_TOO_LARGE") || !strings.Contains(r.stderr, "larger cluster size") {
			t.Errorf("stderr does not say the backing is too large and suggest a larger cluster size:\n%s", r.stderr)
		}
		noFile(t, dir, "c.qcow2")
	})
}

// TestCreateMissingBacking checks that the error names the path as
// resolved against the new image's directory, and that -u with a SIZE
// creates the image without opening the backing.
func TestCreateMissingBacking(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := instarFails(t, dir, "create", sandbox, "-f", "qcow2", "-b", "gone.qcow2", "-F", "qcow2", "d/c.qcow2")
		if !strings.Contains(r.stderr, "'d/gone.qcow2'") || !strings.Contains(r.stderr, "No such file or directory") {
			t.Errorf("stderr does not name the resolved path d/gone.qcow2:\n%s", r.stderr)
		}
		noFile(t, filepath.Join(dir, "d"), "c.qcow2")

		r = instarFails(t, dir, "create", sandbox, "-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", "d/c.qcow2")
		if !strings.Contains(r.stderr, "size") {
			t.Errorf("-u without SIZE: stderr does not ask for a size:\n%s", r.stderr)
		}
		instarOK(t, dir, "create", "-q", sandbox, "-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", "d/c.qcow2", "1M")
		wantBacking(t, dir, "d/c.qcow2", 1<<20, "gone.qcow2", "qcow2")
	})
}
