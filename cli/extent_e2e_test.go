package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestExtentNamesConfined gives instar info descriptors whose extent names
// lead outside the descriptor's directory: absolute, through "..", and
// through symbolic links. qemu-img follows every one (checked, so the test
// shows the divergence is real); instar must refuse each with a message
// naming the extent, and open nothing outside (an inotify watch on the
// outside directory sees no open and no read).
func TestExtentNamesConfined(t *testing.T) {
	root := t.TempDir()
	in, out := filepath.Join(root, "in"), filepath.Join(root, "out")
	for _, d := range []string{in, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Real extent files outside (one each), so that following a name
	// would succeed.
	qemuImg(t, out, "create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "x.vmdk", "1G")
	qemuImg(t, out, "create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat", "f.vmdk", "1G")
	sparse, flat := readFile(t, filepath.Join(out, "x.vmdk")), readFile(t, filepath.Join(out, "f.vmdk"))
	for link, target := range map[string]string{
		"rel-s001.vmdk": "../out/x-s001.vmdk",
		"abs-s001.vmdk": filepath.Join(out, "x-s001.vmdk"),
		"outdir":        "../out",
	} {
		if err := os.Symlink(target, filepath.Join(in, link)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		descriptor string // written to in/
		refused    string // the first extent name instar must refuse
	}{
		{renameExtents(sparse, `"x-s001.vmdk"`, `"`+filepath.Join(out, "x-s001.vmdk")+`"`), filepath.Join(out, "x-s001.vmdk")},
		{renameExtents(sparse, `"x-s`, `"../out/x-s`), "../out/x-s001.vmdk"},
		{renameExtents(sparse, `"x-s`, `"../in/../out/x-s`), "../in/../out/x-s001.vmdk"},
		{renameExtents(sparse, `"x-s001.vmdk"`, `"rel-s001.vmdk"`), "rel-s001.vmdk"},
		{renameExtents(sparse, `"x-s001.vmdk"`, `"abs-s001.vmdk"`), "abs-s001.vmdk"},
		{renameExtents(sparse, `"x-s`, `"outdir/x-s`), "outdir/x-s001.vmdk"},
		{renameExtents(flat, `"f-f`, `"../out/f-f`), "../out/f-f001.vmdk"},
	}
	for i, c := range cases {
		name := filepath.Join("in", "d"+string(rune('0'+i))+".vmdk")
		if err := os.WriteFile(filepath.Join(root, name), []byte(c.descriptor), 0o644); err != nil {
			t.Fatal(err)
		}
		qemuImg(t, root, "info", name) // qemu-img follows the name
	}
	inSandbox(t, func(t *testing.T, sandbox string) {
		for i, c := range cases {
			name := filepath.Join("in", "d"+string(rune('0'+i))+".vmdk")
			w := watchOpens(t, out)
			r := instarFails(t, root, "info", sandbox, name)
			if opened := w.events(); opened != "" {
				t.Errorf("%s: instar opened or read files outside the descriptor's directory: %s", name, opened)
			}
			for _, want := range []string{
				"instar: " + name + ": vmdk extent file '" + c.refused + "' refused: ",
				"qemu-img would follow the name", "on purpose", "OpenStack's format inspector",
			} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("%s: stderr does not say %q:\n%s", name, want, r.stderr)
				}
			}
			if r.stdout != "" {
				t.Errorf("%s: output despite the refusal:\n%s", name, r.stdout)
			}
		}
	})
}

// TestExtentNamesInside checks that names which stay inside the
// descriptor's directory still work and match qemu-img: a qemu-made
// twoGbMaxExtentSparse image in a subdirectory, named "sub/x-s001.vmdk" by
// a descriptor one level up that is itself given as "d/top.vmdk", and a
// symbolic link that stays inside.
func TestExtentNamesInside(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "d", "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	qemuImg(t, sub, "create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "x.vmdk", "5G")
	desc := readFile(t, filepath.Join(sub, "x.vmdk"))
	if err := os.WriteFile(filepath.Join(root, "d", "top.vmdk"), []byte(renameExtents(desc, `"x-s`, `"sub/x-s`)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/x-s002.vmdk", filepath.Join(root, "d", "alias-s002.vmdk")); err != nil {
		t.Fatal(err)
	}
	linked := renameExtents(renameExtents(desc, `"x-s`, `"sub/x-s`), `"sub/x-s002.vmdk"`, `"alias-s002.vmdk"`)
	if err := os.WriteFile(filepath.Join(root, "d", "linked.vmdk"), []byte(linked), 0o644); err != nil {
		t.Fatal(err)
	}
	type check struct{ out, name, want string }
	var checks []check
	for _, name := range []string{"d/top.vmdk", "d/linked.vmdk", "d/sub/x.vmdk"} {
		for _, out := range []string{"--output=human", "--output=json"} {
			checks = append(checks, check{out, name, qemuImg(t, root, "info", out, name)})
		}
	}
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, c := range checks {
			got := instarOK(t, root, "info", c.out, sandbox, c.name)
			if got.stdout != c.want {
				t.Errorf("instar info %s %s differs from qemu-img:\n--- qemu-img\n%s--- instar\n%s", c.out, c.name, c.want, got.stdout)
			}
		}
	})
}

// renameExtents replaces old by new in the extent lines of a descriptor,
// and requires that it occurred.
func renameExtents(desc, old, new string) string {
	if !strings.Contains(desc, old) {
		panic("descriptor has no " + old)
	}
	return strings.ReplaceAll(desc, old, new)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// openWatch is an inotify watch for opens and reads of the files in one
// directory.
type openWatch struct {
	t  *testing.T
	fd int
}

func watchOpens(t *testing.T, dir string) *openWatch {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_OPEN|syscall.IN_ACCESS); err != nil {
		syscall.Close(fd)
		t.Fatalf("inotify watch %s: %v", dir, err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	return &openWatch{t, fd}
}

// events drains the watch and describes what was opened or read ("" for
// nothing). inotify queues an event before the open returns, so events of
// a process that has exited are all there.
func (w *openWatch) events() string {
	var seen []string
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(w.fd, buf)
		if err == syscall.EAGAIN || n <= 0 {
			return strings.Join(seen, ", ")
		}
		if err != nil {
			w.t.Fatalf("reading inotify events: %v", err)
		}
		// struct inotify_event: wd, mask, cookie, len, then len bytes of
		// NUL-padded name.
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			start := off + syscall.SizeofInotifyEvent
			name := strings.TrimRight(string(buf[start:min(start+nameLen, n)]), "\x00")
			what := "open"
			if mask&syscall.IN_ACCESS != 0 {
				what = "read"
			}
			seen = append(seen, what+" "+name)
			off = start + nameLen
		}
	}
}
