package vhdx

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// BenchmarkCreate64TiB plans and writes the image with the largest BAT
// qemu-img allows (64 TiB in 1 MiB blocks: 512 MiB of zero-state entries)
// and times `qemu-img create` of the same image in the same run; the
// reported ratio is qemu-img's time over instar's.
func BenchmarkCreate64TiB(b *testing.B) {
	qemu := testenv.RequireQemuImg(b)
	dir := b.TempDir()
	var qemuTime time.Duration
	for b.Loop() {
		p, err := PlanImage(Options{Size: MaxVirtualSize, BlockSize: 1 << 20})
		if err != nil {
			b.Fatal(err)
		}
		writePlan(b, p, filepath.Join(dir, "plan.vhdx"))

		b.StopTimer()
		start := time.Now()
		testenv.Run(b, qemu, "create", "-q", "-f", "vhdx", "-o", "block_size=1M", filepath.Join(dir, "qemu.vhdx"), "64T")
		qemuTime += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(qemuTime.Nanoseconds())/float64(b.N), "qemu-ns/op")
	b.ReportMetric(float64(qemuTime)/float64(b.Elapsed()), "qemu/instar")
}
