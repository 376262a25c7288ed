package vhdx

import (
	"encoding/binary"
	"fmt"
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

// TestLogicalSector4096 sets a qemu-made image's logical sector size to
// 4096, as Hyper-V can make it. qemu-img 7.2 refuses such images; Parse
// reads them (the specification allows 4096), and vhdiinfo is the oracle.
func TestLogicalSector4096(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	vhdiinfo := testenv.RequireTool(t, "vhdiinfo")
	src := qemuCreate(t, "3G", "")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	img := parseFile(t, src)
	for _, e := range img.MetadataEntries {
		if e.ItemID == logicalSectorGUID {
			binary.LittleEndian.PutUint32(b[img.Metadata.FileOffset+uint64(e.Offset):], 4096)
		}
	}
	path := filepath.Join(t.TempDir(), "4k.vhdx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := testenv.RunErr(qemu, "info", "-f", "vhdx", path); err == nil {
		t.Error("qemu-img opens 4096-byte logical sectors; the package doc's list of differences is stale")
	}
	out := testenv.Run(t, vhdiinfo, path)
	got := parseFile(t, path)
	if s := vhdiField(out, "Bytes per sector"); s != "4096 bytes" || got.LogicalSectorSize != 4096 {
		t.Errorf("vhdiinfo %q, Parse %d", s, got.LogicalSectorSize)
	}
	if s := vhdiField(out, "Media size"); !strings.Contains(s, fmt.Sprintf("(%d bytes)", got.VirtualSize)) {
		t.Errorf("vhdiinfo media size %q, Parse %d", s, got.VirtualSize)
	}
	// 4096-byte sectors make the chunk ratio 8 times larger: still one
	// BAT entry per block here, and no sector bitmap entry.
	if got.BATEntries != 3<<30/uint64(got.BlockSize) {
		t.Errorf("BAT entries %d", got.BATEntries)
	}
}
