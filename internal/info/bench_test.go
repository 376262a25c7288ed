package info

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// BenchmarkInfoVsQemu times what `instar info --sandbox=none
// --output=json` does per image — open, stat, Inspect, the JSON round trip,
// Validate, render — against `qemu-img info --output=json` on the same
// image, timed in the same run. The ratio is qemu-img's time over instar's
// (above 1: instar is faster). qemu-img's time includes starting a
// process, and instar's here excludes the sandbox's start-up, which the
// cli's benchmark measures; this one isolates parsing and rendering.
func BenchmarkInfoVsQemu(b *testing.B) {
	qemu := testenv.RequireQemuImg(b)
	dir := b.TempDir()
	for _, tc := range []struct{ name, format, opts string }{
		{"qcow2", "qcow2", ""},
		{"vmdk", "vmdk", ""},
		{"vpc", "vpc", ""},
		{"vhdx", "vhdx", ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			path := filepath.Join(dir, "bench."+tc.name)
			testenv.QemuImg(b, "create", "-q", "-f", tc.format, path, "10G")
			const qemuRuns = 20
			start := time.Now()
			for range qemuRuns {
				testenv.Run(b, qemu, "info", "--output=json", path)
			}
			qemuPer := time.Since(start) / qemuRuns

			b.ResetTimer()
			for b.Loop() {
				im, err := inspectFile(path, "")
				if err != nil {
					b.Fatal(err)
				}
				st, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				e := []Entry{{Filename: path, ActualSize: st.Size(), Image: im}}
				if err := WriteJSON(io.Discard, e, false); err != nil {
					b.Fatal(err)
				}
			}
			instarPer := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(qemuPer)/float64(instarPer), "qemu-img/instar")
			b.ReportMetric(float64(qemuPer.Microseconds()), "qemu-img-us/op")
		})
	}
}
