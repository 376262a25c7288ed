package qcow2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestMaxVirtualSizeMatchesQemu checks the ceiling at its exact boundary
// against qemu-img: the largest size is accepted by both, 512 bytes more
// is refused by both. Accepting the maximum writes a 32 MiB L1 table, so
// that half runs for a sample of cluster sizes (TestPlanMatchesQemu covers
// 512 B and 64 KiB at the ceiling too).
func TestMaxVirtualSizeMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := scratchDir(t)
	acceptSample := map[string]bool{"4096/false": true, "2097152/false": true, "16384/true": true, "2097152/true": true}
	for cs := int64(MinClusterSize); cs <= MaxClusterSize; cs *= 2 {
		for _, ext := range []bool{false, true} {
			if ext && cs < MinExtendedL2ClusterSize {
				continue
			}
			key := fmt.Sprintf("%d/%v", cs, ext)
			t.Run(key, func(t *testing.T) {
				max := MaxVirtualSize(cs, ext)
				o := Options{Size: max, ClusterSize: cs, ExtendedL2: ext}
				qopts := fmt.Sprintf("cluster_size=%d,extended_l2=%v", cs, map[bool]string{false: "off", true: "on"}[ext])
				path := filepath.Join(dir, "max.qcow2")
				defer os.Remove(path)

				_, stderr, err := testenv.RunErr(testenv.RequireQemuImg(t), "create", "-q", "-f", "qcow2", "-o", qopts, path, fmt.Sprint(max+512))
				if err == nil || !strings.Contains(string(stderr), "too large") {
					t.Errorf("qemu-img accepted %d bytes (max+512): err %v, %s", max+512, err, stderr)
				}
				o.Size = max + 512
				if _, err := PlanImage(o); !errors.Is(err, ErrTooLarge) {
					t.Errorf("PlanImage(max+512) = %v, want ErrTooLarge", err)
				}
				o.Size = max
				if _, err := PlanImage(o); err != nil {
					t.Errorf("PlanImage(max) = %v", err)
				}
				if acceptSample[key] {
					testenv.QemuImg(t, "create", "-q", "-f", "qcow2", "-o", qopts, path, fmt.Sprint(max))
				}
			})
		}
	}
	if MaxVirtualSize(3000, false) != 0 || MaxVirtualSize(1<<22, false) != 0 {
		t.Error("MaxVirtualSize of an invalid cluster size is not 0")
	}
}

// TestOptionsRefusedLikeQemu checks that every combination qemu-img refuses
// is refused by PlanImage too, and that qemu-img does refuse it.
func TestOptionsRefusedLikeQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for _, c := range []struct {
		qemu string
		o    Options
	}{
		{"cluster_size=3000", Options{ClusterSize: 3000}},
		{"cluster_size=256", Options{ClusterSize: 256}},
		{"cluster_size=4M", Options{ClusterSize: 4 << 20}},
		{"refcount_bits=3", Options{RefcountBits: 3}},
		{"refcount_bits=128", Options{RefcountBits: 128}},
		{"compat=0.10,lazy_refcounts=on", Options{Compat: Compat010, LazyRefcounts: true}},
		{"compat=0.10,refcount_bits=8", Options{Compat: Compat010, RefcountBits: 8}},
		{"compat=0.10,compression_type=zstd", Options{Compat: Compat010, CompressionType: CompressionZstd}},
		{"compat=0.10,extended_l2=on", Options{Compat: Compat010, ExtendedL2: true}},
		{"extended_l2=on,cluster_size=8k", Options{ExtendedL2: true, ClusterSize: 8192}},
		{"preallocation=metadata,backing_file=b.qcow2,backing_fmt=qcow2", Options{Preallocation: PreallocMetadata, BackingFile: "b.qcow2", BackingFormat: "qcow2"}},
		{"backing_fmt=qcow2", Options{BackingFormat: "qcow2"}},
	} {
		t.Run(c.qemu, func(t *testing.T) {
			c.o.Size = 1 << 20
			_, stderr, err := testenv.RunErr(testenv.RequireQemuImg(t), "create", "-q", "-f", "qcow2", "-u", "-o", c.qemu, filepath.Join(dir, "x.qcow2"), "1M")
			if err == nil {
				t.Fatalf("qemu-img accepted -o %s", c.qemu)
			}
			if _, err := PlanImage(c.o); !errors.Is(err, ErrInvalidOption) {
				t.Errorf("PlanImage = %v, want ErrInvalidOption (qemu-img: %s)", err, strings.TrimSpace(string(stderr)))
			}
		})
	}
}

// TestBackingNameMustFitCluster0: with 512-byte clusters a 376-byte name
// just fits after the header and extensions (TestPlanMatchesQemu builds
// it); one byte more is refused by qemu-img and by PlanImage.
func TestBackingNameMustFitCluster0(t *testing.T) {
	testenv.RequireQemuImg(t)
	name := strings.Repeat("a", 377)
	_, stderr, err := testenv.RunErr(testenv.RequireQemuImg(t), "create", "-q", "-f", "qcow2", "-u", "-o", "cluster_size=512",
		"-b", name, "-F", "raw", filepath.Join(t.TempDir(), "x.qcow2"), "1M")
	if err == nil {
		t.Fatal("qemu-img accepted a backing name that does not fit in cluster 0")
	}
	_, err = PlanImage(Options{Size: 1 << 20, ClusterSize: 512, BackingFile: name, BackingFormat: "raw"})
	if !errors.Is(err, ErrInvalidOption) {
		t.Errorf("PlanImage = %v, want ErrInvalidOption (qemu-img: %s)", err, strings.TrimSpace(string(stderr)))
	}
}

func TestParseOptionValues(t *testing.T) {
	for s, want := range map[string]Compat{"0.10": Compat010, "v2": Compat010, "1.1": Compat11, "v3": Compat11} {
		if got, err := ParseCompat(s); err != nil || got != want {
			t.Errorf("ParseCompat(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"off", "metadata", "falloc", "full"} {
		if p, err := ParsePreallocation(s); err != nil || p.String() != s {
			t.Errorf("ParsePreallocation(%q) = %v, %v", s, p, err)
		}
	}
	for _, s := range []string{"zlib", "zstd"} {
		if c, err := ParseCompressionType(s); err != nil || c.String() != s {
			t.Errorf("ParseCompressionType(%q) = %v, %v", s, c, err)
		}
	}
	for _, bad := range []error{
		func() error { _, err := ParseCompat("1.0"); return err }(),
		func() error { _, err := ParsePreallocation("sparse"); return err }(),
		func() error { _, err := ParseCompressionType("lz4"); return err }(),
	} {
		if !errors.Is(bad, ErrInvalidOption) {
			t.Errorf("bad option value error %v does not wrap ErrInvalidOption", bad)
		}
	}
}
