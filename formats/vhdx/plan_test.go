package vhdx

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/instar-go/instar/internal/testenv"
)

// planCase is one qemu-img create invocation and the Options that should
// plan the same image.
type planCase struct {
	size string // as given to qemu-img
	opts string // -o value
	o    Options
}

func boolp(b bool) *bool { return &b }

var planCases = []planCase{
	{"16M", "", Options{Size: 16 << 20}},
	{"1G", "", Options{Size: 1 << 30}},
	{"1073742336", "", Options{Size: 1<<30 + 512}}, // first size with 16 MiB blocks
	{"2G", "", Options{Size: 2 << 30}},
	{"100G", "", Options{Size: 100 << 30}},
	{"107374182912", "", Options{Size: 100<<30 + 512}}, // first size with 32 MiB blocks
	{"1T", "", Options{Size: 1 << 40}},
	{"32T", "", Options{Size: 32 << 40}},
	{"35184372089344", "", Options{Size: 32<<40 + 512}}, // first size with 64 MiB blocks
	{"64T", "", Options{Size: MaxVirtualSize}},
	{"0", "", Options{Size: 0}},
	{"1000", "", Options{Size: 1000}}, // rounded up to 1024
	{"1G", "block_size=1M", Options{Size: 1 << 30, BlockSize: 1 << 20}},
	{"1T", "block_size=1M", Options{Size: 1 << 40, BlockSize: 1 << 20}},
	// The largest BAT (64 TiB in 1 MiB blocks, 512 MiB) takes qemu-img too
	// long to write for every test run; TestPlanBoundedMemory covers it.
	{"64T", "block_size=8M", Options{Size: MaxVirtualSize, BlockSize: 8 << 20}},
	{"64T", "block_size=256M,log_size=16M", Options{Size: MaxVirtualSize, BlockSize: 256 << 20, LogSize: 16 << 20}},
	{"1G", "block_size=1", Options{Size: 1 << 30, BlockSize: 1}},
	{"2G", "block_size=0", Options{Size: 2 << 30, BlockSize: 0}},
	{"1G", "block_size=256M", Options{Size: 1 << 30, BlockSize: 256 << 20}},
	{"1G", "block_size=1G", Options{Size: 1 << 30, BlockSize: 1 << 30}}, // clamped to 256 MiB
	{"2G", "log_size=4M", Options{Size: 2 << 30, LogSize: 4 << 20}},
	{"2G", "log_size=1", Options{Size: 2 << 30, LogSize: 1}},
	{"16M", "block_state_zero=off", Options{Size: 16 << 20, BlockStateZero: boolp(false)}},
	{"1T", "block_state_zero=off", Options{Size: 1 << 40, BlockStateZero: boolp(false)}},
	{"16M", "subformat=fixed", Options{Size: 16 << 20, Subformat: SubformatFixed}},
	{"16M", "subformat=fixed,block_state_zero=off", Options{Size: 16 << 20, Subformat: SubformatFixed, BlockStateZero: boolp(false)}},
	{"100M", "subformat=fixed,block_state_zero=off,block_size=2M", Options{Size: 100 << 20, Subformat: SubformatFixed, BlockStateZero: boolp(false), BlockSize: 2 << 20}},
}

// copyIdentity takes the random parts of a qemu-made image (GUIDs,
// sequence number, creator) into o, so the planned image must then equal
// qemu's byte for byte, checksums included.
func copyIdentity(t *testing.T, qemuPath string, o Options) Options {
	t.Helper()
	img := parseFile(t, qemuPath)
	o.FileWriteGUID = img.Header.FileWriteGUID
	o.DataWriteGUID = img.Header.DataWriteGUID
	o.DiskID = img.DiskID
	o.SequenceNumber = img.Header.SequenceNumber - 1 // header 2 is active
	o.Creator = img.Creator
	return o
}

// comparableInfo is qemu-img info's JSON without the fields that name the
// file rather than the image: filename, and actual-size (qemu writes the
// zero tail of the BAT region; a plan leaves it a hole).
func comparableInfo(m map[string]any) map[string]any {
	delete(m, "filename")
	delete(m, "actual-size")
	return m
}

func TestPlanMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	vhdiinfo := testenv.RequireTool(t, "vhdiinfo")
	for _, c := range planCases {
		t.Run(fmt.Sprintf("%s,%s", c.size, c.opts), func(t *testing.T) {
			qpath := qemuCreate(t, c.size, c.opts)
			o := copyIdentity(t, qpath, c.o)
			p, err := PlanImage(o)
			if err != nil {
				t.Fatal(err)
			}
			if off := firstDifference(t, qpath, p, p.Size); off >= 0 {
				t.Fatalf("planned image differs from qemu-img's at offset %d (%#x)", off, off)
			}

			// An image with fresh random identity, written as a caller
			// would write it, must satisfy the oracles on its own.
			o2 := c.o
			p2, err := PlanImage(o2)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "plan.vhdx")
			writePlan(t, p2, path)
			want := comparableInfo(testenv.QemuInfo(t, "vhdx", qpath))
			got := comparableInfo(testenv.QemuInfo(t, "vhdx", path))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("qemu-img info differs (-qemu +plan):\n%s", d)
			}
			testenv.QemuCheck(t, "vhdx", path)
			// vhdiinfo must read the plan whenever it reads qemu's image
			// (it refuses qemu's empty 0-byte disk, whose BAT has no entry).
			if _, _, qerr := testenv.RunErr(vhdiinfo, qpath); qerr != nil {
				if _, _, err := testenv.RunErr(vhdiinfo, path); err == nil {
					t.Errorf("vhdiinfo refuses qemu's image (%v) but reads the plan", qerr)
				}
			} else {
				out := testenv.Run(t, vhdiinfo, path)
				if !strings.Contains(string(out), fmt.Sprintf("(%d bytes)", p2.VirtualSize)) {
					t.Errorf("vhdiinfo does not show the virtual size %d:\n%s", p2.VirtualSize, out)
				}
			}
			if img := parseFile(t, path); img.VirtualSize != p2.VirtualSize || img.BlockSize != p2.BlockSize {
				t.Errorf("Parse of the plan: size %d block %d, planned %d %d", img.VirtualSize, img.BlockSize, p2.VirtualSize, p2.BlockSize)
			}
		})
	}
}

// TestOptionBoundsMatchQemu checks that PlanImage refuses exactly what
// qemu-img create refuses at each option boundary.
func TestOptionBoundsMatchQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	cases := []struct {
		size, opts string
		o          Options
	}{
		{"64T", "", Options{Size: MaxVirtualSize}},
		{"70368744177665", "", Options{Size: MaxVirtualSize + 1}},
		{"1G", "block_size=3M", Options{Size: 1 << 30, BlockSize: 3 << 20}},
		{"1G", "block_size=2097153", Options{Size: 1 << 30, BlockSize: 2<<20 + 1}}, // rounds to 3M
		{"1G", "block_size=268435457", Options{Size: 1 << 30, BlockSize: 256<<20 + 1}},
		{"1G", "block_size=18446744073709551615", Options{Size: 1 << 30, BlockSize: 1<<64 - 1}},
		{"1G", "log_size=0", Options{Size: 1 << 30, LogSize: 0}}, // see below
		{"1G", "log_size=4095M", Options{Size: 1 << 30, LogSize: 4095 << 20}},
		{"1G", "log_size=4293918721", Options{Size: 1 << 30, LogSize: 4095<<20 + 1}},
		{"1G", "log_size=4096M", Options{Size: 1 << 30, LogSize: 4096 << 20}},
	}
	for _, c := range cases {
		t.Run(c.size+","+c.opts, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "b.vhdx")
			args := []string{"create", "-q", "-f", "vhdx"}
			if c.opts != "" {
				args = append(args, "-o", c.opts)
			}
			_, stderr, qerr := testenv.RunErr(qemu, append(args, path, c.size)...)
			if qerr != nil {
				if _, ok := qerr.(*exec.ExitError); !ok {
					t.Fatal(qerr)
				}
			}
			qemuOK := qerr == nil
			if c.opts == "log_size=0" {
				// Options.LogSize 0 means "not given"; an explicit 0 is
				// what ResolveLogSize refuses.
				_, err := ResolveLogSize(0)
				if qemuOK || err == nil {
					t.Fatalf("qemu ok=%v, ResolveLogSize(0) err=%v", qemuOK, err)
				}
				return
			}
			_, err := PlanImage(c.o)
			if qemuOK != (err == nil) {
				t.Fatalf("qemu-img accepts=%v (%s), PlanImage err=%v", qemuOK, strings.TrimSpace(string(stderr)), err)
			}
		})
	}
}

// TestSubformatMatchesQemu checks ParseSubformat against the values
// qemu-img create accepts.
func TestSubformatMatchesQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	for _, v := range []string{"dynamic", "fixed", "FIXED", "Fixed", "", "differencing"} {
		path := filepath.Join(t.TempDir(), "s.vhdx")
		_, _, qerr := testenv.RunErr(qemu, "create", "-q", "-f", "vhdx", "-o", "subformat="+v, path, "1M")
		s, err := ParseSubformat(v)
		if (qerr == nil) != (err == nil) {
			t.Errorf("subformat=%q: qemu-img error %v, ParseSubformat error %v", v, qerr, err)
		}
		if err == nil && s.String() != v {
			t.Errorf("ParseSubformat(%q).String() = %q", v, s)
		}
	}
}
