package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg")
	if err := os.WriteFile(reg, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, fi, err := openRegular("image", reg)
	if err != nil || fi.Size() != 5 {
		t.Fatalf("regular file: %v, %v", fi, err)
	}
	f.Close()

	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	os.Symlink("loop", filepath.Join(dir, "loop"))
	for _, tc := range []struct {
		path string
		want string
		is   error
	}{
		{dir, "it is a directory", errNotRegular},
		{fifo, "it is a FIFO", errNotRegular}, // returns at once: O_NONBLOCK
		{"/dev/null", "it is a character device", errNotRegular},
		{filepath.Join(dir, "loop"), "Too many levels of symbolic links", syscall.ELOOP},
		{filepath.Join(dir, "missing"), "No such file or directory", fs.ErrNotExist},
		{"/" + strings.Repeat("a", maxPathLen), "bytes long", nil},
	} {
		_, _, err := openRegular("backing file", tc.path)
		var oe *openError
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "backing file '") {
			t.Errorf("%.40s: got %v, want an openError saying %q", tc.path, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%.40s: %v does not wrap %v", tc.path, err, tc.is)
		}
	}
}
