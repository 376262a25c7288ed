package vhd

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/instar-go/instar/internal/testenv"
)

// Sizes that exercise each branch of the CHS rounding: tiny, unaligned,
// each sectors-per-track band, just below and at the largest geometry,
// 127G, and the 2040 GiB maximum.
var planSizes = []int64{
	0, 512, 1 << 20, 10<<20 + 1, 100 << 20, 1 << 30,
	65535 * 16 * 63 * 512, // the 255 sectors-per-track threshold
	maxGeometrySectors*512 - 512,
	maxGeometrySectors * 512,
	127 << 30,
	MaxVirtualSize,
}

// planOptions are qemu-img's option combinations for vpc.
var planOptions = []struct {
	o    string
	opts Options
}{
	{"", Options{}},
	{"force_size=on", Options{ForceSize: true}},
	{"subformat=fixed", Options{Subformat: SubformatFixed}},
	{"subformat=fixed,force_size=on", Options{Subformat: SubformatFixed, ForceSize: true}},
}

// TestPlanMatchesQemu plans every size and option combination with the
// UUID and time stamp of qemu-img's image for the same options, so the
// files must be byte-identical, and qemu-img info must agree.
func TestPlanMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for _, size := range planSizes {
		for _, po := range planOptions {
			t.Run(fmt.Sprintf("%d/%s", size, po.o), func(t *testing.T) {
				want := qemuCreate(t, dir, "qemu.vhd", po.o, size)
				qimg, err := parseFile(t, want)
				fixedZero := size == 0 && po.opts.Subformat == SubformatFixed
				if err != nil {
					t.Fatalf("Parse of qemu's image: %v", err)
				}
				o := po.opts
				o.Size = size
				o.UUID = &qimg.Footer.UUID
				o.Time = qimg.Footer.Timestamp.Time()
				p, err := PlanImage(o)
				if err != nil {
					t.Fatal(err)
				}
				got := filepath.Join(dir, "plan.vhd")
				writePlan(t, p, got)
				testenv.SameFile(t, want, got)
				if fixedZero {
					return // qemu-img cannot open the 512-byte fixed image it makes
				}
				wi, gi := testenv.QemuInfo(t, "vpc", want), testenv.QemuInfo(t, "vpc", got)
				for _, m := range []map[string]any{wi, gi} {
					delete(m, "filename")
					delete(m, "actual-size")
				}
				if d := cmp.Diff(wi, gi); d != "" {
					t.Errorf("qemu-img info differs (-qemu +plan):\n%s", d)
				}
				if size == 0 {
					return // libvhdi refuses a BAT of 0 entries, in qemu's image too
				}
				vi := vhdiinfo(t, got)
				if vi["Identifier"] != qimg.Footer.UUID.String() {
					t.Errorf("vhdiinfo identifier %q, want %s", vi["Identifier"], qimg.Footer.UUID)
				}
				wantType := "Dynamic"
				if o.Subformat == SubformatFixed {
					wantType = "Fixed"
				}
				if vi["Disk type"] != wantType {
					t.Errorf("vhdiinfo disk type %q, want %q", vi["Disk type"], wantType)
				}
			})
		}
	}
}

// TestCeilingMatchesQemu checks MaxVirtualSizeFor at the boundary: qemu
// creates that size and refuses one byte more, and so does PlanImage.
func TestCeilingMatchesQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for _, po := range planOptions {
		limit := MaxVirtualSizeFor(po.opts)
		for _, size := range []int64{limit, limit + 1} {
			args := []string{"create", "-q", "-f", "vpc"}
			if po.o != "" {
				args = append(args, "-o", po.o)
			}
			_, stderr, qerr := testenv.RunErr(qemu, append(args, filepath.Join(dir, "c.vhd"), fmt.Sprint(size))...)
			o := po.opts
			o.Size = size
			_, err := PlanImage(o)
			if (qerr == nil) != (err == nil) {
				t.Errorf("%s size %d: qemu-img error %v (%s), PlanImage error %v", po.o, size, qerr, stderr, err)
			}
			if err != nil && !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s size %d: error %v does not wrap ErrTooLarge", po.o, size, err)
			}
		}
	}
}

// TestCreateOptionsMatchQemu checks that ParseSubformat and
// ParseForceSize accept exactly the values qemu-img accepts.
func TestCreateOptionsMatchQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	dir := t.TempDir()
	accepts := func(o string) bool {
		_, _, err := testenv.RunErr(qemu, "create", "-q", "-f", "vpc", "-o", o, filepath.Join(dir, "o.vhd"), "1M")
		return err == nil
	}
	for _, v := range []string{"on", "off", "yes", "no", "true", "false", "y", "n", "ON", "Yes", "1", "0", ""} {
		_, err := ParseForceSize(v)
		if q := accepts(OptionForceSize + "=" + v); q != (err == nil) {
			t.Errorf("force_size=%q: qemu-img accepts %v, ParseForceSize error %v", v, q, err)
		}
	}
	for _, v := range append(SubformatValues(), "Fixed", "streamOptimized", "") {
		_, err := ParseSubformat(v)
		if q := accepts(OptionSubformat + "=" + v); q != (err == nil) {
			t.Errorf("subformat=%q: qemu-img accepts %v, ParseSubformat error %v", v, q, err)
		}
	}
	out := string(testenv.QemuImg(t, "create", "-f", "vpc", "-o", "help", filepath.Join(dir, "h.vhd")))
	for _, name := range append([]string{OptionSize, OptionSubformat, OptionForceSize}, FileOptionNames()...) {
		if !strings.Contains(out, "  "+name+"=") {
			t.Errorf("qemu-img -o help does not list %q:\n%s", name, out)
		}
	}
}
