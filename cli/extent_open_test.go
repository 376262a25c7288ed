package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/instar-go/instar/internal/info"
)

// TestOpenBeneath runs both ways of opening an extent file beneath the
// descriptor's directory, openat2 and the fallback for kernels without it,
// over names that stay inside and names that lead out.
func TestOpenBeneath(t *testing.T) {
	root := t.TempDir()
	in, out := filepath.Join(root, "in"), filepath.Join(root, "out")
	for _, d := range []string{in, out, filepath.Join(in, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(in, "f"), filepath.Join(in, "sub", "f"), filepath.Join(out, "secret")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"in-link":  "sub/f",
		"out-link": "../out/secret",
		"abs-link": filepath.Join(in, "f"), // absolute, even to a file inside
		"out-dir":  "../out",
		"loop":     "loop",
	} {
		if err := os.Symlink(target, filepath.Join(in, link)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := unix.Openat2(unix.AT_FDCWD, ".", &unix.OpenHow{Flags: unix.O_PATH, Resolve: unix.RESOLVE_BENEATH}); err == unix.ENOSYS {
		t.Log("this kernel has no openat2: openBeneath runs the fallback")
	}
	dir, err := unix.Open(in, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dir)

	const ok, escape = "ok", "escape"
	for _, tc := range []struct {
		name            string
		openat2, noLink string // ok, escape, or the errno expected
	}{
		{"f", ok, ok},
		{"./sub//f", ok, ok},
		{"sub/../f", ok, escape}, // stays inside; the fallback refuses every ".."
		{"in-link", ok, escape},  // a link inside; the fallback follows none
		{"../out/secret", escape, escape},
		{"sub/../../out/secret", escape, escape},
		{filepath.Join(out, "secret"), escape, escape},
		{"/etc/passwd", escape, escape},
		{"out-link", escape, escape},
		{"abs-link", escape, escape},
		{"out-dir/secret", escape, escape},
		{"missing", "no such file or directory", "no such file or directory"},
		{"f/x", "not a directory", "not a directory"},
		{"loop", "too many levels of symbolic links", escape},
	} {
		for _, way := range []struct {
			label, want string
			open        func(int, string) (int, error)
		}{{"openat2", tc.openat2, openBeneath}, {"fallback", tc.noLink, openNoSymlinks}} {
			fd, err := way.open(dir, tc.name)
			var esc *escapeError
			switch {
			case err == nil:
				unix.Close(fd)
				if way.want != ok {
					t.Errorf("%s %q: opened, want %s", way.label, tc.name, way.want)
				}
			case errors.As(err, &esc):
				if way.want != escape {
					t.Errorf("%s %q: refused (%v), want %s", way.label, tc.name, err, way.want)
				}
			case way.want == ok || way.want == escape || !strings.Contains(err.Error(), way.want):
				t.Errorf("%s %q: %v, want %s", way.label, tc.name, err, way.want)
			}
		}
	}
}

// TestExtentDirOpen checks the host's extent opener: openRegular's rules
// (a FIFO does not block and is refused, as a directory is) and a refusal
// that names the extent and says why.
func TestExtentDirOpen(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(in, "fifo"))
	if err := os.Mkdir(filepath.Join(in, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "x-s001.vmdk"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := openExtentDir(filepath.Join(in, "x.vmdk"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ext := func(name string) info.ExtentFile { return info.ExtentFile{Name: name, Path: filepath.Join(in, name)} }

	f, fi, err := d.open(ext("x-s001.vmdk"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 1 || f.Name() != filepath.Join(in, "x-s001.vmdk") {
		t.Errorf("opened %s of %d bytes", f.Name(), fi.Size())
	}
	f.Close()
	for _, name := range []string{"fifo", "dir"} {
		if _, _, err := d.open(ext(name)); !errors.Is(err, errNotRegular) || !strings.Contains(err.Error(), "'"+filepath.Join(in, name)+"'") {
			t.Errorf("%s: %v, want errNotRegular naming the path", name, err)
		}
	}
	if _, _, err := d.open(ext("missing")); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("missing: %v, want ENOENT", err)
	}
	_, _, err = d.open(ext("../x.vmdk"))
	var refused *extentRefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("../x.vmdk: %v, want a refusal", err)
	}
	for _, want := range []string{"vmdk extent file '../x.vmdk' refused", "'..'", "qemu-img would follow", "OpenStack", "'" + in + "/'"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
}
