package vmdk

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// BenchmarkCreate2TiB times planning and writing a 2 TiB monolithicSparse
// image (1 MiB of grain directories, 256 MiB file with holes) against
// qemu-img create of the same image, in the same run, and reports the ratio.
func BenchmarkCreate2TiB(b *testing.B) {
	qemu := testenv.RequireQemuImg(b)
	dir := b.TempDir()
	var qemuTime time.Duration
	for i := 0; b.Loop(); i++ {
		path := filepath.Join(dir, "p.vmdk")
		p, err := PlanImage(Options{Size: 2 << 40, FileName: path})
		if err != nil {
			b.Fatal(err)
		}
		writePlan(b, p, path)

		b.StopTimer()
		start := time.Now()
		testenv.Run(b, qemu, "create", "-q", "-f", "vmdk", filepath.Join(dir, "q.vmdk"), "2T")
		qemuTime += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(qemuTime.Nanoseconds())/float64(b.N), "qemu-ns/op")
	b.ReportMetric(float64(qemuTime.Nanoseconds())/float64(b.Elapsed().Nanoseconds()), "qemu/instar")
}
