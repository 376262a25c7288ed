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
}

// ceilingCases lists every row instar creates.
func ceilingCases() []ceilingCase {
	vpcMax := mustCeiling(VPC, nil)
	return []ceilingCase{
		{"raw", nil, mustCeiling(Raw, nil)},
		{"vpc", nil, vpcMax},
		{"vpc", []string{"subformat=fixed"}, mustCeiling(VPC, []string{"subformat=fixed"})},
		{"vpc", []string{"force_size=on"}, mustCeiling(VPC, []string{"force_size=on"})},
		{"vhdx", nil, mustCeiling(VHDX, nil)},
		{"vhdx", []string{"subformat=fixed"}, mustCeiling(VHDX, []string{"subformat=fixed"})},
		{"vhdx", []string{"block_size=1M"}, mustCeiling(VHDX, []string{"block_size=1M"})},
	}
}

// mustCeiling returns the table's limit for a format and options.
func mustCeiling(f Format, opts []string) int64 {
	o, err := ParseRequest(&Request{Format: string(f), Filename: "x", Size: "1M", Options: opts})
	if err != nil {
		panic(err)
	}
	row, err := ceiling(o)
	if err != nil {
		panic(err)
	}
	return row.max
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
			q := runQemuCreate(t, dir, append(args, "x", strconv.FormatInt(size, 10))...)
			removeAll(t, filepath.Join(dir, "x"))
			if q.ok != (size == c.max) {
				t.Errorf("%s: qemu-img ok=%v %s; the table says the maximum is %d", name, q.ok, q.stderr, c.max)
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

// anyBackingTargets are the targets that stack on a backing of any format,
// so a raw backing of any size reaches their ceiling check.
var anyBackingTargets = map[string]bool{"qcow2": true, "vmdk": true}

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
