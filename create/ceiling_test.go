package create

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ceilingCase is one row of the ceiling table with the options that select
// it and the limit the table claims.
type ceilingCase struct {
	format string
	opts   []string
	max    int64
	// diff names a deliberate difference: qemu-img accepts sizes above
	// the row's maximum there.
	diff string
	// slow marks a row whose maximum takes qemu-img seconds to write (it
	// writes every refcount block or BAT entry); qemu-img is then asked
	// only to refuse one step above, and instar checks both sides.
	slow bool
}

// ceilingCases lists every row instar creates.
func ceilingCases() []ceilingCase {
	vpcMax := mustCeiling(VPC, nil)
	return []ceilingCase{
		{format: "raw", max: mustCeiling(Raw, nil)},
		{format: "qcow2", max: mustCeiling(Qcow2, nil)},
		{format: "qcow2", opts: []string{"cluster_size=512"}, max: mustCeiling(Qcow2, []string{"cluster_size=512"}), slow: true},
		{format: "qcow2", opts: []string{"cluster_size=4k"}, max: mustCeiling(Qcow2, []string{"cluster_size=4k"})},
		{format: "qcow2", opts: []string{"cluster_size=2M"}, max: mustCeiling(Qcow2, []string{"cluster_size=2M"})},
		{format: "qcow2", opts: []string{"cluster_size=16k,extended_l2=on"}, max: mustCeiling(Qcow2, []string{"cluster_size=16k,extended_l2=on"})},
		{format: "qcow2", opts: []string{"extended_l2=on"}, max: mustCeiling(Qcow2, []string{"extended_l2=on"})},
		{format: "vmdk", max: mustCeiling(VMDK, nil), diff: "qemu-img accepts larger vmdk sizes but its 32-bit grain-table count wraps and the image cannot hold data"},
		{format: "vmdk", opts: []string{"subformat=streamOptimized"}, max: mustCeiling(VMDK, []string{"subformat=streamOptimized"}), diff: "as monolithicSparse"},
		{format: "vpc", max: vpcMax},
		{format: "vpc", opts: []string{"subformat=fixed"}, max: mustCeiling(VPC, []string{"subformat=fixed"})},
		{format: "vpc", opts: []string{"force_size=on"}, max: mustCeiling(VPC, []string{"force_size=on"})},
		{format: "vhdx", max: mustCeiling(VHDX, nil)},
		{format: "vhdx", opts: []string{"subformat=fixed"}, max: mustCeiling(VHDX, []string{"subformat=fixed"})},
		{format: "vhdx", opts: []string{"block_size=1M"}, max: mustCeiling(VHDX, []string{"block_size=1M"}), slow: true},
	}
}

// mustCeiling returns the table's limit for a format and options.
func mustCeiling(f Format, opts []string) int64 {
	o, err := ParseRequest(&Request{Format: string(f), Filename: "x", Size: "1M", Options: opts})
	if err != nil {
		panic(err)
	}
	return ceiling(o).max
}

// TestCeilingMatchesQemu checks each row at its boundary against qemu-img
// (which must accept the maximum and refuse one byte more, rounded up to a
// sector) and against instar's own validation, which must agree and name
// the limit. The images are sparse, on tmpfs, which allows files up to
// 8 EiB, so the raw row is tested at its real limit.
func TestCeilingMatchesQemu(t *testing.T) {
	dir, err := os.MkdirTemp("/dev/shm", "instar-ceiling-")
	if err != nil {
		t.Fatalf("the ceiling test needs tmpfs at /dev/shm for huge sparse files: %v", err)
	}
	defer os.RemoveAll(dir)
	for _, c := range ceilingCases() {
		for _, size := range []int64{c.max, c.max + 1} {
			name := c.format + " " + strings.Join(c.opts, ",") + " " + strconv.FormatInt(size, 10)
			args := []string{"-f", c.format}
			for _, o := range c.opts {
				args = append(args, "-o", o)
			}
			if !c.slow || size > c.max {
				q := runQemuCreate(t, dir, append(args, "x", strconv.FormatInt(size, 10))...)
				removeAll(t, filepath.Join(dir, "x"))
				if q.ok != (size == c.max) && (c.diff == "" || size == c.max) {
					t.Errorf("%s: qemu-img ok=%v %s; the table says the maximum is %d", name, q.ok, q.stderr, c.max)
				}
			}
			_, err := ParseRequest(&Request{Format: c.format, Filename: "x", Size: strconv.FormatInt(size, 10), Options: c.opts})
			switch {
			case size == c.max && err != nil:
				t.Errorf("%s: instar refuses the maximum: %v", name, err)
			case size > c.max && CodeOf(err) != InvalidSize:
				t.Errorf("%s: instar: %v, want INVALID_SIZE", name, err)
			case size > c.max && !strings.Contains(err.Error(), strconv.FormatInt(c.max, 10)):
				t.Errorf("%s: %q does not name the limit", name, err)
			}
		}
	}
}

// discard is an io.WriterAt that keeps nothing.
type discard struct{}

func (discard) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }

// anyBackingTargets are the targets that stack on a backing of any format
// so a raw backing of any size reaches their ceiling check.
var anyBackingTargets = map[string]bool{"qcow2": true}

// TestBackingTooLarge checks that a backing larger than a target's row is
// refused before planning with BACKING_SIZE_TOO_LARGE and a hint, and that a
// backing of exactly the maximum passes. Targets that take any backing are
// run end to end with a sparse raw backing of that size.
func TestBackingTooLarge(t *testing.T) {
	for _, c := range ceilingCases() {
		if c.format == "raw" {
			continue // raw takes no backing file
		}
		name := c.format + " " + strings.Join(c.opts, ",")
		o, err := ParseRequest(&Request{Format: c.format, Filename: "x", Size: "1M", Options: c.opts})
		if err != nil {
			t.Fatal(err)
		}
		if err := checkBackingSize(o, c.max); err != nil {
			t.Errorf("%s: backing of the maximum size refused: %v", name, err)
		}
		err = checkBackingSize(o, c.max+512)
		if CodeOf(err) != BackingTooLarge || !strings.Contains(err.Error(), "SIZE that fits") || !strings.Contains(err.Error(), strconv.FormatInt(c.max, 10)) {
			t.Errorf("%s: backing one sector too large: %v", name, err)
		}
		if !anyBackingTargets[c.format] {
			continue
		}
		for _, size := range []int64{c.max, c.max + 512} {
			req := &Request{Format: c.format, Filename: "x", BackingFile: "p.raw", BackingFormat: "raw", Options: c.opts}
			_, err := Create(req, decodeSparse(nil, size), size, discard{})
			if (size == c.max) != (err == nil) || (err != nil && CodeOf(err) != BackingTooLarge) {
				t.Errorf("%s: raw backing of %d bytes: %v", name, size, err)
			}
		}
	}
}
