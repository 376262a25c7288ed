package vhdx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestDamagedCopiesVsQemu damages one copy of a header or region table of a
// qemu-made image and compares with qemu-img info. The one deliberate
// difference: qemu-img reads only region table 1, so it refuses an image
// whose table 1 is damaged; Parse uses table 2 and warns.
func TestDamagedCopiesVsQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	src := qemuCreate(t, "1G", "")
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		at       int
		qemuOpen bool
		warning  string
	}{
		{"header 1", header1Offset + 200, true, "header 1 is invalid"},
		{"header 2", header2Offset + 200, true, "header 2 is invalid"},
		{"region table 1", regionTable1Offset + 200, false, "region table 1 is invalid"},
		{"region table 2", regionTable2Offset + 200, true, "region table 2 is invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := append([]byte(nil), orig...)
			b[c.at] ^= 1
			path := filepath.Join(t.TempDir(), "d.vhdx")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, qerr := testenv.RunErr(qemu, "info", "-f", "vhdx", path)
			if (qerr == nil) != c.qemuOpen {
				t.Fatalf("qemu-img info: %v %s", qerr, stderr)
			}
			img := parseFile(t, path)
			if !strings.Contains(strings.Join(img.Warnings, "\n"), c.warning) || img.VirtualSize != 1<<30 {
				t.Errorf("warnings %q, size %d", img.Warnings, img.VirtualSize)
			}
		})
	}
}
