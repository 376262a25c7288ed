package vhdx

import (
	"fmt"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestParseQemuImages parses images qemu-img makes at several sizes and
// block sizes and compares with what qemu-img info reports for them.
func TestParseQemuImages(t *testing.T) {
	testenv.RequireQemuImg(t)
	vhdiinfo := testenv.RequireTool(t, "vhdiinfo")
	cases := []struct{ size, opts string }{
		{"1M", "block_size=1M"},
		{"3G", "block_size=2M"},
		{"10G", "block_size=4M"},
		{"1G", ""},
		{"5G", ""},
		{"200G", ""},
		{"40T", ""},
		{"100G", "block_size=128M"},
		{"1G", "block_size=256M,log_size=8M"},
		{"7M", "subformat=fixed"},
		{"1T", "block_state_zero=off"},
	}
	for _, c := range cases {
		t.Run(c.size+","+c.opts, func(t *testing.T) {
			path := qemuCreate(t, c.size, c.opts)
			info := testenv.QemuInfo(t, "vhdx", path)
			img := parseFile(t, path)
			got := img.Info()
			if want := info["virtual-size"].(float64); float64(got.VirtualSize) != want {
				t.Errorf("VirtualSize %d, qemu-img says %v", got.VirtualSize, want)
			}
			if want := info["cluster-size"].(float64); float64(got.ClusterSize) != want {
				t.Errorf("ClusterSize %d, qemu-img says %v", got.ClusterSize, want)
			}
			wantType := DiskDynamic
			if c.opts == "subformat=fixed" {
				wantType = DiskFixed
			}
			if got.DiskType != wantType || got.NeedsLogReplay || got.Parent != nil || len(img.Warnings) > 0 {
				t.Errorf("got type %v, log replay %v, parent %v, warnings %q", got.DiskType, got.NeedsLogReplay, got.Parent, img.Warnings)
			}
			if img.ActiveHeader != 2 || img.LogicalSectorSize != 512 || img.PhysicalSectorSize != 512 {
				t.Errorf("active header %d, sectors %d/%d", img.ActiveHeader, img.LogicalSectorSize, img.PhysicalSectorSize)
			}
			if !strings.HasPrefix(img.Creator, "QEMU v") {
				t.Errorf("creator %q", img.Creator)
			}
			// vhdiinfo's identifier is the active DataWriteGuid, and its
			// sector size the logical sector size.
			out := testenv.Run(t, vhdiinfo, path)
			if id := vhdiField(out, "Identifier"); id != got.DataWriteGUID.String() {
				t.Errorf("DataWriteGUID %v, vhdiinfo identifier %q", got.DataWriteGUID, id)
			}
			if s := vhdiField(out, "Bytes per sector"); s != fmt.Sprintf("%d bytes", got.LogicalSectorSize) {
				t.Errorf("logical sector %d, vhdiinfo %q", got.LogicalSectorSize, s)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		head string
		want bool
	}{
		{"vhdxfile", true},
		{"vhdxfileQ\x00E\x00", true},
		{"vhdxfil", false},
		{"conectix", false},
		{"", false},
	} {
		if got := Detect([]byte(c.head)); got != c.want {
			t.Errorf("Detect(%q) = %v", c.head, got)
		}
	}
}

func TestGUIDText(t *testing.T) {
	// The BAT region GUID as MS-VHDX prints it and as it is stored.
	g := batRegionGUID
	want := [16]byte{0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42, 0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08}
	if g != want {
		t.Fatalf("stored bytes % x, want % x", g[:], want[:])
	}
	if s := g.String(); s != "2dc27766-f623-4200-9d64-115e9bfd4a08" {
		t.Errorf("String() = %s", s)
	}
	for _, in := range []string{"{2DC27766-F623-4200-9D64-115E9BFD4A08}", "2dc27766-f623-4200-9d64-115e9bfd4a08"} {
		if p, err := ParseGUID(in); err != nil || p != g {
			t.Errorf("ParseGUID(%q) = %v, %v", in, p, err)
		}
	}
	for _, in := range []string{"", "{}", "2dc27766f6234200-9d64-115e9bfd4a08", "zzc27766-f623-4200-9d64-115e9bfd4a08"} {
		if _, err := ParseGUID(in); err == nil {
			t.Errorf("ParseGUID(%q) accepted", in)
		}
	}
}

func TestEnumStrings(t *testing.T) {
	for v, want := range map[fmt.Stringer]string{
		BlockZero: "zero", BlockFullyPresent: "fully-present", BlockState(4): "BlockState(4)",
		DiskFixed: "fixed", DiskDifferencing: "differencing", DiskType(9): "DiskType(9)",
		SubformatDynamic: "dynamic", SubformatFixed: "fixed",
	} {
		if got := v.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", v, got, want)
		}
	}
}
