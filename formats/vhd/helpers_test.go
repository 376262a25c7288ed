package vhd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// writePlan writes a plan to a new sparse file, the test-only stand-in
// for create's plan applier.
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
	last := int64(0)
	for i, e := range p.Extents {
		if e.Offset < last || e.Length < 0 || e.Offset+e.Length > p.Size {
			t.Fatalf("extent %d [%d,+%d) overlaps, goes backwards or leaves the %d-byte file", i, e.Offset, e.Length, p.Size)
		}
		last = e.Offset + e.Length
		if (e.Data == nil) == (e.Fill == nil) {
			t.Fatalf("extent %d has both or neither of Data and Fill", i)
		}
		if e.Data != nil {
			if int64(len(e.Data)) != e.Length {
				t.Fatalf("extent %d: %d bytes of data for length %d", i, len(e.Data), e.Length)
			}
			if _, err := f.WriteAt(e.Data, e.Offset); err != nil {
				t.Fatal(err)
			}
			continue
		}
		buf := make([]byte, 64<<10)
		for off := e.Offset; off < e.Offset+e.Length; {
			n := min(int64(len(buf)), e.Offset+e.Length-off)
			e.Fill(off-e.Offset, buf[:n])
			if _, err := f.WriteAt(buf[:n], off); err != nil {
				t.Fatal(err)
			}
			off += n
		}
	}
}

// qemuCreate runs qemu-img create -f vpc and returns the image path.
func qemuCreate(t testing.TB, dir, name, opts string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	args := []string{"create", "-q", "-f", "vpc"}
	if opts != "" {
		args = append(args, "-o", opts)
	}
	testenv.QemuImg(t, append(args, p, fmt.Sprint(size))...)
	return p
}

// parseFile parses an image file with Parse.
func parseFile(t testing.TB, path string) (*Image, error) {
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
	return Parse(f, st.Size())
}

// vhdiinfo runs vhdiinfo and returns its "key : value" lines as a map.
func vhdiinfo(t testing.TB, path string) map[string]string {
	t.Helper()
	out := testenv.Run(t, testenv.RequireTool(t, "vhdiinfo"), path)
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}
