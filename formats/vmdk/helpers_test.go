package vmdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// writePlan writes a plan to path the way an applier would: a file of
// p.Size bytes with the extents written and everything else left as holes.
func writePlan(t testing.TB, p *Plan, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(p.Size); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for _, e := range p.Extents {
		for off := int64(0); off < e.Length; off += int64(len(buf)) {
			chunk := buf[:min(int64(len(buf)), e.Length-off)]
			if e.Fill != nil {
				e.Fill(off, chunk)
			} else {
				copy(chunk, e.Data[off:])
			}
			if _, err := f.WriteAt(chunk, e.Offset+off); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// planBytes returns the whole planned file (small plans only).
func planBytes(t testing.TB, p *Plan) []byte {
	t.Helper()
	b := make([]byte, p.Size)
	if _, err := p.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return b
}

// qemuCreate runs `qemu-img create -f vmdk` in dir and returns the path.
func qemuCreate(t testing.TB, dir, name string, size string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	all := append([]string{"create", "-q", "-f", "vmdk"}, args...)
	testenv.QemuImg(t, append(all, path, size)...)
	return path
}

// parseFile parses a file with Parse.
func parseFile(t testing.TB, path string) *Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	im, err := Parse(f, st.Size())
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return im
}

// infoJSON returns `qemu-img info --output=json` with the image's own
// directory removed from every file name, so images made in different
// directories compare equal, and actual-size (allocation) dropped.
func infoJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	out := testenv.QemuImg(t, "info", "--output=json", "-f", "vmdk", path)
	out = bytes.ReplaceAll(out, []byte(filepath.Dir(path)+"/"), nil)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("qemu-img info %s: %v\n%s", path, err, out)
	}
	delete(m, "actual-size")
	return m
}

// vmdkSpecific returns format-specific.data of qemu-img info.
func vmdkSpecific(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	fs, _ := m["format-specific"].(map[string]any)
	d, _ := fs["data"].(map[string]any)
	if d == nil {
		t.Fatalf("qemu-img info has no vmdk format-specific data: %v", m)
	}
	return d
}

// jsonInt reads a JSON number as int64.
func jsonInt(t testing.TB, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v is not a JSON number", v)
	}
	return int64(f)
}

// vmdkinfoRead runs vmdkinfo (libvmdk) and returns its output.
func vmdkinfoRead(t testing.TB, path string) string {
	t.Helper()
	return string(testenv.Run(t, testenv.RequireTool(t, "vmdkinfo"), path))
}

// hasLine reports whether out has a line whose fields are want's fields.
func hasLine(out, want string) bool {
	w := strings.Fields(want)
	for _, l := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(l), " ") == strings.Join(w, " ") {
			return true
		}
	}
	return false
}
