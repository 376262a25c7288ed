package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// infoImages are one image per format and subformat instar inspects, as
// create arguments for both qemu-img and instar (instar does not make the
// multi-file VMDK subformats, so those come from qemu-img only).
var infoImages = []struct {
	name     string
	args     []string
	fmt      string // passed as -f to both tools, when probing cannot know
	qemuOnly bool
}{
	{name: "r.img", args: []string{"-f", "raw"}},
	{name: "odd.img", args: []string{"-f", "raw"}}, // a size that is no multiple of 512
	{name: "dyn.vhd", args: []string{"-f", "vpc"}},
	{name: "dynforce.vhd", args: []string{"-f", "vpc", "-o", "force_size=on"}},
	{name: "fixed.vhd", args: []string{"-f", "vpc", "-o", "subformat=fixed"}, fmt: "vpc"},
	{name: "fixedprobe.vhd", args: []string{"-f", "vpc", "-o", "subformat=fixed"}}, // probes as raw, as in qemu-img
	{name: "d.vhdx", args: []string{"-f", "vhdx"}},
	{name: "fixed.vhdx", args: []string{"-f", "vhdx", "-o", "subformat=fixed"}},
	{name: "bs.vhdx", args: []string{"-f", "vhdx", "-o", "block_size=1M,log_size=1M"}},
	{name: "v3.qcow2", args: []string{"-f", "qcow2"}},
	{name: "v2.qcow2", args: []string{"-f", "qcow2", "-o", "compat=0.10"}},
	{name: "opts.qcow2", args: []string{"-f", "qcow2", "-o", "cluster_size=4k,lazy_refcounts=on,refcount_bits=1"}},
	{name: "l2.qcow2", args: []string{"-f", "qcow2", "-o", "cluster_size=32k,extended_l2=on,compression_type=zstd"}},
	{name: "meta.qcow2", args: []string{"-f", "qcow2", "-o", "preallocation=metadata"}},
	{name: "sparse.vmdk", args: []string{"-f", "vmdk"}},
	{name: "stream.vmdk", args: []string{"-f", "vmdk", "-o", "subformat=streamOptimized"}},
	{name: "flat.vmdk", args: []string{"-f", "vmdk", "-o", "subformat=monolithicFlat"}, qemuOnly: true},
	{name: "twogbs.vmdk", args: []string{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse"}, qemuOnly: true},
	{name: "twogbf.vmdk", args: []string{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat"}, qemuOnly: true},
}

// makeInfoImages creates every one of infoImages in dir twice: with
// qemu-img as q-NAME and with instar as i-NAME (in-process: no untrusted
// bytes are read, and the create tests cover the sandboxed path).
func makeInfoImages(t *testing.T, dir string) {
	t.Helper()
	for _, im := range infoImages {
		size := "8M"
		if im.name == "odd.img" {
			size = "1000"
		}
		args := func(name string) []string {
			return append(append([]string{"create", "-q"}, im.args...), name, size)
		}
		qemuImg(t, dir, args("q-"+im.name)...)
		if !im.qemuOnly {
			instarOK(t, dir, append(args("i-"+im.name), "--sandbox=none")...)
		}
	}
}

// TestInfoMatchesQemuImg compares instar info with qemu-img info byte for
// byte, human and JSON, for every image qemu-img and instar make.
func TestInfoMatchesQemuImg(t *testing.T) {
	dir := t.TempDir()
	makeInfoImages(t, dir)
	type check struct {
		name, out string
		args      []string // without the --sandbox flag
		want      string   // qemu-img's output
	}
	var checks []check
	for _, im := range infoImages {
		names := []string{"q-" + im.name}
		if !im.qemuOnly {
			names = append(names, "i-"+im.name)
		}
		for _, name := range names {
			for _, out := range []string{"--output=human", "--output=json"} {
				args := []string{"info", out}
				if im.fmt != "" {
					args = append(args, "-f", im.fmt)
				}
				args = append(args, name)
				checks = append(checks, check{name, out, args, qemuImg(t, dir, args...)})
			}
		}
	}
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, c := range checks {
			if !slices.Contains(infoOutputs(sandbox), c.out) {
				continue
			}
			t.Run(c.name+c.out, func(t *testing.T) {
				t.Parallel()
				got := instarOK(t, dir, append(c.args, sandbox)...)
				if got.stdout != c.want {
					t.Errorf("instar %q differs from qemu-img:\n--- qemu-img\n%s--- instar\n%s", c.args, c.want, got.stdout)
				}
			})
		}
	})
}

// infoOutputs lists the --output modes to compare in a sandbox mode. The
// guest returns the same description for both and the host renders it, so
// in the (slower) KVM sandbox JSON alone shows the guest's answer is right;
// in-process runs check the rendering of both.
func infoOutputs(sandbox string) []string {
	if sandbox == "--sandbox=kvm" {
		return []string{"--output=json"}
	}
	return []string{"--output=human", "--output=json"}
}

// TestInfoHostileFiles checks that files which are no disk images get a
// clean error without hanging: qemu-img blocks for ever on a FIFO.
func TestInfoHostileFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(dir, "fifo"))
	if err := os.Mkdir(filepath.Join(dir, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Symlink("loop2", filepath.Join(dir, "loop1"))
	os.Symlink("loop1", filepath.Join(dir, "loop2"))
	inSandbox(t, func(t *testing.T, sandbox string) {
		// An empty file is a zero-byte raw image to qemu-img too.
		want := qemuImg(t, dir, "info", "--output=json", "empty")
		if got := instarOK(t, dir, "info", "--output=json", sandbox, "empty"); got.stdout != want {
			t.Errorf("empty file:\n--- qemu-img\n%s--- instar\n%s", want, got.stdout)
		}
		for name, want := range map[string]string{
			"fifo":    "it is a FIFO",
			"dir":     "it is a directory",
			"loop1":   "Too many levels of symbolic links",
			"missing": "No such file or directory",
		} {
			r := instarFails(t, dir, "info", sandbox, name)
			if !strings.Contains(r.stderr, "'"+name+"'") || !strings.Contains(r.stderr, want) || r.stdout != "" {
				t.Errorf("info %s: want an error naming it and saying %q, got\nstdout: %s\nstderr: %s", name, want, r.stdout, r.stderr)
			}
		}
	})
}
