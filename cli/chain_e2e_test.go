package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInfoBackingChainMatchesQemuImg compares instar info --backing-chain
// with qemu-img's on chains of depth 1 to 3 whose links live in different
// directories, and on a VMDK child. (TestInfoMissingBacking covers plain
// info of a child.)
func TestInfoBackingChainMatchesQemuImg(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d1"), 0o755); err != nil {
		t.Fatal(err)
	}
	qemuImg(t, dir, "create", "-q", "-f", "qcow2", "base.qcow2", "4M")
	qemuImg(t, dir, "create", "-q", "-f", "qcow2", "-b", "../base.qcow2", "-F", "qcow2", "d1/mid.qcow2")
	qemuImg(t, dir, "create", "-q", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "d1/top.qcow2")
	qemuImg(t, dir, "create", "-q", "-f", "vmdk", "p.vmdk", "4M")
	qemuImg(t, dir, "create", "-q", "-f", "vmdk", "-b", "p.vmdk", "-F", "vmdk", "c.vmdk")
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, name := range []string{"base.qcow2", "d1/mid.qcow2", "d1/top.qcow2", "c.vmdk"} {
			for _, out := range infoOutputs(sandbox) {
				args := []string{"info", "--backing-chain", out, name}
				want := qemuImg(t, dir, args...)
				if got := instarOK(t, dir, append(args, sandbox)...); got.stdout != want {
					t.Errorf("instar %q differs from qemu-img:\n--- qemu-img\n%s--- instar\n%s", args, want, got.stdout)
				}
			}
		}
	})
}

// TestInfoMissingBacking checks qemu-img's rule: plain info describes an
// image whose backing file is missing, --backing-chain fails naming the
// missing link and prints nothing.
func TestInfoMissingBacking(t *testing.T) {
	dir := t.TempDir()
	qemuImg(t, dir, "create", "-q", "-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", "orphan.qcow2", "1M")
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, out := range infoOutputs(sandbox) {
			want := qemuImg(t, dir, "info", out, "orphan.qcow2")
			if got := instarOK(t, dir, "info", out, sandbox, "orphan.qcow2"); got.stdout != want {
				t.Errorf("info %s:\n--- qemu-img\n%s--- instar\n%s", out, want, got.stdout)
			}
			r := instarFails(t, dir, "info", out, "--backing-chain", sandbox, "orphan.qcow2")
			if r.stdout != "" || !strings.Contains(r.stderr, "'gone.qcow2'") || !strings.Contains(r.stderr, "No such file or directory") {
				t.Errorf("--backing-chain %s with a missing link:\nstdout: %s\nstderr: %s", out, r.stdout, r.stderr)
			}
		}
	})
}

// TestInfoBackingLoopRefused checks that a chain that comes back to an
// image already seen is refused instead of followed for ever.
func TestInfoBackingLoopRefused(t *testing.T) {
	dir := t.TempDir()
	qemuImg(t, dir, "create", "-q", "-f", "qcow2", "a.qcow2", "1M")
	qemuImg(t, dir, "create", "-q", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", "b.qcow2")
	qemuImg(t, dir, "rebase", "-u", "-b", "b.qcow2", "-F", "qcow2", "a.qcow2")
	inSandbox(t, func(t *testing.T, sandbox string) {
		r := instarFails(t, dir, "info", "--backing-chain", sandbox, "b.qcow2")
		if r.stdout != "" || !strings.Contains(r.stderr, "infinite loop") {
			t.Errorf("stdout: %s\nstderr: %s", r.stdout, r.stderr)
		}
	})
}

// TestInfoChainDepthBounded checks that --backing-chain stops at 64 images.
// The bound is host logic, the same in both sandbox modes, so one (the
// fast one) is enough.
func TestInfoChainDepthBounded(t *testing.T) {
	dir := t.TempDir()
	qemuImg(t, dir, "create", "-q", "-f", "qcow2", "l0.qcow2", "1M")
	for i := 1; i <= maxChainDepth; i++ {
		qemuImg(t, dir, "create", "-q", "-f", "qcow2", "-u", "-b", fmt.Sprintf("l%d.qcow2", i-1), "-F", "qcow2", fmt.Sprintf("l%d.qcow2", i), "1M")
	}
	top := fmt.Sprintf("l%d.qcow2", maxChainDepth-1)
	r := instarOK(t, dir, "info", "--backing-chain", "--sandbox=none", top)
	if n := strings.Count(r.stdout, "image: "); n != maxChainDepth {
		t.Errorf("a chain of %d images printed %d", maxChainDepth, n)
	}
	r = instarFails(t, dir, "info", "--backing-chain", "--sandbox=none", fmt.Sprintf("l%d.qcow2", maxChainDepth))
	if r.stdout != "" || !strings.Contains(r.stderr, "deeper than 64") {
		t.Errorf("stdout: %.200s\nstderr: %s", r.stdout, r.stderr)
	}
}
