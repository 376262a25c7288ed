package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCreateRawMatchesQemuImg creates raw images on the host (raw reads no
// untrusted bytes, so no sandbox runs) and compares the Formatting line and
// the file with qemu-img's for the same command.
func TestCreateRawMatchesQemuImg(t *testing.T) {
	for _, args := range [][]string{
		{"r.img", "1.5M"},
		{"r.img", "1000"},
		{"-f", "raw", "r.img", "0"},
		{"r.img", "-o", "preallocation=falloc", "64k"},
		{"r.img", "-o", "preallocation=full,size=8k"},
	} {
		dir, qdir := t.TempDir(), t.TempDir()
		got := instarOK(t, dir, append([]string{"create"}, args...)...)
		want := qemuImg(t, qdir, append([]string{"create"}, args...)...)
		if got.stdout != want {
			t.Errorf("create %q: stdout %q, qemu-img's %q", args, got.stdout, want)
		}
		gi, err := os.Stat(filepath.Join(dir, "r.img"))
		if err != nil {
			t.Fatal(err)
		}
		qi, err := os.Stat(filepath.Join(qdir, "r.img"))
		if err != nil {
			t.Fatal(err)
		}
		if gi.Size() != qi.Size() {
			t.Errorf("create %q: %d bytes, qemu-img's %d", args, gi.Size(), qi.Size())
		}
	}
}

// TestCreateInvalidSizeLeavesNoFile checks that a refused create touches
// nothing and says why.
func TestCreateInvalidSizeLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []string{"1Q", "-1", "99999999E"} {
		instarFails(t, dir, "create", "r.img", size)
		noFile(t, dir, "r.img")
	}
}
