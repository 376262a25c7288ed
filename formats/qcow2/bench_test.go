package qcow2

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// BenchmarkCreate times planning, writing and syncing an image next to
// qemu-img creating the same image in the same run, both on the test's
// temporary directory (a real disk, where qemu-img's flushes cost what they
// cost users). The instar side reports its peak
// resident set size; the qemu-img side reports how many times longer it
// took than instar (qemu/instar).
func BenchmarkCreate(b *testing.B) {
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"1GiB", Options{Size: 1 << 30}},
		{"16GiB-4k-metadata", Options{Size: 16 << 30, ClusterSize: 4096, Preallocation: PreallocMetadata}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var instarNs float64
			b.Run("instar", func(b *testing.B) {
				path := filepath.Join(b.TempDir(), "x.qcow2")
				var peak int64
				for b.Loop() {
					resetPeakRSS(b)
					p, err := PlanImage(c.o)
					if err != nil {
						b.Fatal(err)
					}
					writePlan(b, p, path, 1<<20)
					syncFile(b, path) // create fsyncs before renaming into place
					peak = max(peak, peakRSS(b))
					b.StopTimer()
					os.Remove(path)
					b.StartTimer()
				}
				instarNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
			})
			b.Run("qemu-img", func(b *testing.B) {
				qemu := testenv.RequireQemuImg(b)
				path := filepath.Join(b.TempDir(), "x.qcow2")
				for b.Loop() {
					testenv.Run(b, qemu, "create", "-q", "-f", "qcow2", "-o", qemuOptions(c.o), path, fmt.Sprint(c.o.Size))
					b.StopTimer()
					os.Remove(path)
					b.StartTimer()
				}
				if instarNs > 0 {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/instarNs, "qemu/instar")
				}
			})
		})
	}
}

func syncFile(b *testing.B, path string) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
}

// resetPeakRSS resets the kernel's record of this process's peak resident
// set size (VmHWM) to the current size (Linux 4.0 and later).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// peakRSS returns VmHWM, the peak resident set size since resetPeakRSS.
func peakRSS(b *testing.B) int64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(st))
	for sc.Scan() {
		if f := bytes.Fields(sc.Bytes()); len(f) == 3 && string(f[0]) == "VmHWM:" {
			kib, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
