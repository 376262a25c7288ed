package qcow2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/instar-go/instar/internal/testenv"
)

// writePlan is the test's stand-in for create's plan writer: it writes the
// plan to path in chunks of chunk bytes (an odd size exercises Fill with
// arbitrary offsets) and writes zeros over the preallocated ranges.
func writePlan(t testing.TB, p *Plan, path string, chunk int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(p.Size); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, chunk)
	zero := make([]byte, chunk)
	for _, r := range p.Preallocate {
		for off := int64(0); off < r.Length; off += int64(chunk) {
			n := min(int64(chunk), r.Length-off)
			if _, err := f.WriteAt(zero[:n], r.Offset+off); err != nil {
				t.Fatal(err)
			}
		}
	}
	prevEnd := int64(0)
	for _, e := range p.Extents {
		if e.Offset < prevEnd || e.Length <= 0 || e.Offset+e.Length > p.Size || (e.Data == nil) == (e.Fill == nil) {
			t.Fatalf("bad extent at %d (+%d) after %d, size %d", e.Offset, e.Length, prevEnd, p.Size)
		}
		prevEnd = e.Offset + e.Length
		if e.Data != nil {
			if int64(len(e.Data)) != e.Length {
				t.Fatalf("extent at %d: %d data bytes for length %d", e.Offset, len(e.Data), e.Length)
			}
			if _, err := f.WriteAt(e.Data, e.Offset); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for off := int64(0); off < e.Length; off += int64(chunk) {
			n := min(int64(chunk), e.Length-off)
			e.Fill(off, buf[:n])
			if _, err := f.WriteAt(buf[:n], e.Offset+off); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// scratchDir returns a directory for images that qemu-img writes. It prefers
// a tmpfs (/dev/shm), where qemu-img's many flushes cost nothing, so that the
// comparison tests neither take long nor load a shared disk; the images are
// sparse and removed after each case.
func scratchDir(t testing.TB) string {
	t.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "instar-qcow2-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// qemuOptions renders o as qemu-img create -o options.
func qemuOptions(o Options) string {
	var s []string
	if o.ClusterSize != 0 {
		s = append(s, fmt.Sprintf("cluster_size=%d", o.ClusterSize))
	}
	if o.RefcountBits != 0 {
		s = append(s, fmt.Sprintf("refcount_bits=%d", o.RefcountBits))
	}
	if o.ExtendedL2 {
		s = append(s, "extended_l2=on")
	}
	if o.LazyRefcounts {
		s = append(s, "lazy_refcounts=on")
	}
	s = append(s, "compat="+o.Compat.String(), "compression_type="+o.CompressionType.String(),
		"preallocation="+o.Preallocation.String())
	return strings.Join(s, ",")
}

type planCase struct {
	name string
	o    Options
}

// planCases are the option combinations the plan is checked against
// qemu-img on: sizes from 512 bytes to the ceiling, odd sizes, every
// option, and layouts where refcount blocks and the refcount table grow.
var planCases = []planCase{
	{"512B", Options{Size: 512}},
	{"1000B", Options{Size: 1000}},
	{"1M", Options{Size: 1 << 20}},
	{"1G", Options{Size: 1 << 30}},
	{"1.5G", Options{Size: 1610612736}},
	{"100G", Options{Size: 100 << 30}},
	{"zero", Options{Size: 0}},
	{"v2-1.5G", Options{Size: 1610612736, Compat: Compat010}},
	{"v2-backing", Options{Size: 5 << 20, Compat: Compat010, BackingFile: "base.qcow2", BackingFormat: "qcow2"}},
	{"backing", Options{Size: 5 << 20, BackingFile: "base.qcow2", BackingFormat: "qcow2"}},
	{"backing-raw-512", Options{Size: 5 << 20, ClusterSize: 512, BackingFile: "base.qcow2", BackingFormat: "raw"}},
	{"backing-1023", Options{Size: 5 << 20, BackingFile: strings.Repeat("b", 1013) + ".qcow2", BackingFormat: "qcow2"}},
	{"backing-fills-cluster0", Options{Size: 1 << 20, ClusterSize: 512, BackingFile: strings.Repeat("a", 376), BackingFormat: "raw"}},
	{"zstd-lazy", Options{Size: 20 << 30, CompressionType: CompressionZstd, LazyRefcounts: true}},
	{"extl2-16k", Options{Size: 1 << 30, ClusterSize: 16 << 10, ExtendedL2: true}},
	{"extl2-2M", Options{Size: 1 << 40, ClusterSize: 2 << 20, ExtendedL2: true}},
	{"c512-10G", Options{Size: 10 << 30, ClusterSize: 512}},
	{"c512-r64-10G", Options{Size: 10 << 30, ClusterSize: 512, RefcountBits: 64}},
	{"c4k-r1-1T", Options{Size: 1 << 40, ClusterSize: 4096, RefcountBits: 1}},
	{"r2", Options{Size: 3 << 30, RefcountBits: 2}},
	{"r4", Options{Size: 3 << 30, RefcountBits: 4, ClusterSize: 8192}},
	{"r8", Options{Size: 7 << 20, RefcountBits: 8}},
	{"r32", Options{Size: 7 << 20, RefcountBits: 32}},
	{"max-64k", Options{Size: MaxVirtualSize(1<<16, false)}},
	{"max-512", Options{Size: MaxVirtualSize(512, false), ClusterSize: 512}},
	{"meta-1000B", Options{Size: 1000, Preallocation: PreallocMetadata}},
	{"meta-1000B-extl2", Options{Size: 1000, Preallocation: PreallocMetadata, ExtendedL2: true}},
	{"meta-1G", Options{Size: 1 << 30, Preallocation: PreallocMetadata}},
	{"meta-c4k-40M", Options{Size: 40 << 20, ClusterSize: 4096, Preallocation: PreallocMetadata}},
	{"meta-c512-8M", Options{Size: 8 << 20, ClusterSize: 512, Preallocation: PreallocMetadata}},
	{"meta-c512-r64-3M", Options{Size: 3 << 20, ClusterSize: 512, RefcountBits: 64, Preallocation: PreallocMetadata}},
	{"meta-c2M-5G", Options{Size: 5 << 30, ClusterSize: 2 << 20, Preallocation: PreallocMetadata}},
	{"meta-r1-c1k", Options{Size: 20 << 20, ClusterSize: 1024, RefcountBits: 1, Preallocation: PreallocMetadata}},
	{"meta-v2", Options{Size: 1610612736, Compat: Compat010, Preallocation: PreallocMetadata}},
	{"meta-extl2-backing", Options{Size: 3 << 20, ExtendedL2: true, Preallocation: PreallocMetadata, BackingFile: "base.qcow2", BackingFormat: "qcow2"}},
	{"meta-zero", Options{Size: 0, Preallocation: PreallocMetadata}},
	{"falloc-zero", Options{Size: 0, Preallocation: PreallocFalloc}},
	{"falloc-1000B", Options{Size: 1000, Preallocation: PreallocFalloc}},
	{"falloc-100M", Options{Size: 100 << 20, Preallocation: PreallocFalloc}},
	{"falloc-c4k-40M", Options{Size: 40 << 20, ClusterSize: 4096, Preallocation: PreallocFalloc}},
	{"falloc-c512-r64-130M", Options{Size: 130 << 20, ClusterSize: 512, RefcountBits: 64, Preallocation: PreallocFalloc}},
	{"falloc-c512-8M", Options{Size: 8 << 20, ClusterSize: 512, Preallocation: PreallocFalloc}},
	{"full-c1k-r8-9M", Options{Size: 9 << 20, ClusterSize: 1024, RefcountBits: 8, Preallocation: PreallocFull}},
	{"full-extl2-backing", Options{Size: 5 << 20, ExtendedL2: true, Preallocation: PreallocFull, BackingFile: "base.qcow2", BackingFormat: "qcow2"}},
}

// TestPlanMatchesQemu writes each plan and checks it against the image
// qemu-img creates with the same options: identical bytes, identical
// qemu-img info (apart from filename and actual-size), and a clean
// qemu-img check.
func TestPlanMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := scratchDir(t)
	testenv.QemuImg(t, "create", "-q", "-f", "qcow2", filepath.Join(dir, "base.qcow2"), "5M")
	for _, c := range planCases {
		t.Run(c.name, func(t *testing.T) {
			ours := filepath.Join(dir, c.name+".instar.qcow2")
			theirs := filepath.Join(dir, c.name+".qemu.qcow2")
			defer os.Remove(ours)
			defer os.Remove(theirs)
			p, err := PlanImage(c.o)
			if err != nil {
				t.Fatalf("PlanImage: %v", err)
			}
			writePlan(t, p, ours, 3<<19+8)
			args := []string{"create", "-q", "-f", "qcow2", "-o", qemuOptions(c.o)}
			if c.o.BackingFile != "" {
				args = append(args, "-u", "-b", c.o.BackingFile, "-F", c.o.BackingFormat)
			}
			testenv.QemuImg(t, append(args, theirs, fmt.Sprint(c.o.Size))...)

			// filename names each file; actual-size is the host's allocation,
			// which depends on how each writer wrote (sparse or not).
			want, got := testenv.QemuInfo(t, "qcow2", theirs), testenv.QemuInfo(t, "qcow2", ours)
			for _, k := range []string{"filename", "actual-size"} {
				delete(want, k)
				delete(got, k)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("qemu-img info differs (-qemu +instar):\n%s", diff)
			}
			checkImage(t, ours, c.o)
			testenv.SameFile(t, theirs, ours)
		})
	}
}

// checkImage runs qemu-img check. An image whose backing file does not
// exist (a name longer than the file system allows) is checked on its own.
func checkImage(t *testing.T, path string, o Options) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), o.BackingFile)); o.BackingFile == "" || err == nil {
		testenv.QemuCheck(t, "qcow2", path)
		return
	}
	spec := fmt.Sprintf(`json:{"driver":"qcow2","file":{"driver":"file","filename":%q},"backing":null}`, path)
	if out, stderr, err := testenv.RunErr(testenv.RequireQemuImg(t), "check", spec); err != nil {
		t.Fatalf("qemu-img check %s: %v\n%s%s", path, err, out, stderr)
	}
}

func TestPlanRefusesUnsupported(t *testing.T) {
	for _, o := range []Options{
		{Size: 1 << 20, DataFile: "x.raw"},
		{Size: 1 << 20, Encrypt: true},
	} {
		if _, err := PlanImage(o); !errors.Is(err, ErrUnsupportedOption) || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("PlanImage(%+v) = %v, want ErrUnsupportedOption saying not supported", o, err)
		}
	}
}
