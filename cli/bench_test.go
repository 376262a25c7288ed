package main

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// benchPair times one instar command line against the qemu-img command
// line that does the same, alternating them in the same run, and reports
// each one's time per operation and their ratio (instar/qemu-img; below 1
// means instar is faster).
func benchPair(b *testing.B, dir string, instarArgs, qemuArgs []string) {
	benchPairEnv(b, dir, nil, instarArgs, qemuArgs)
}

// benchPairEnv is benchPair with env added to instar's environment.
func benchPairEnv(b *testing.B, dir string, env, instarArgs, qemuArgs []string) {
	qemu := testenv.RequireQemuImg(b)
	var tInstar, tQemu time.Duration
	for b.Loop() {
		start := time.Now()
		if r := instarEnv(b, dir, env, instarArgs...); r.status != 0 {
			b.Fatalf("instar %q exited %d: %s", instarArgs, r.status, r.stderr)
		}
		tInstar += time.Since(start)
		start = time.Now()
		cmd := exec.Command(qemu, qemuArgs...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("qemu-img %q: %v\n%s", qemuArgs, err, out)
		}
		tQemu += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tInstar.Nanoseconds())/n, "instar-ns/op")
	b.ReportMetric(float64(tQemu.Nanoseconds())/n, "qemu-img-ns/op")
	b.ReportMetric(float64(tInstar)/float64(tQemu), "instar/qemu-img")
}

// benchSandboxes runs f once per sandbox mode, kvm requiring /dev/kvm.
func benchSandboxes(b *testing.B, f func(b *testing.B, flag string)) {
	for _, mode := range sandboxes {
		b.Run("sandbox="+mode, func(b *testing.B) {
			if mode == "kvm" {
				testenv.RequireKVM(b)
			}
			f(b, "--sandbox="+mode)
		})
	}
}

func BenchmarkCreateQcow2(b *testing.B) {
	benchSandboxes(b, func(b *testing.B, sandbox string) {
		benchPair(b, b.TempDir(),
			[]string{"create", "-q", sandbox, "-f", "qcow2", "i.qcow2", "1G"},
			[]string{"create", "-q", "-f", "qcow2", "q.qcow2", "1G"})
	})
}

func BenchmarkCreateQcow2OverVHDX(b *testing.B) {
	benchSandboxes(b, func(b *testing.B, sandbox string) {
		dir := b.TempDir()
		qemuImg(b, dir, "create", "-q", "-f", "vhdx", "p.vhdx", "1G")
		benchPair(b, dir,
			[]string{"create", "-q", sandbox, "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "i.qcow2"},
			[]string{"create", "-q", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "q.qcow2"})
	})
	// Without the snapshot cache every run boots the guest's Go runtime:
	// what the first run after an upgrade costs.
	b.Run("sandbox=kvm,cache=off", func(b *testing.B) {
		testenv.RequireKVM(b)
		dir := b.TempDir()
		qemuImg(b, dir, "create", "-q", "-f", "vhdx", "p.vhdx", "1G")
		benchPairEnv(b, dir, []string{cacheEnv + "=off"},
			[]string{"create", "-q", "--sandbox=kvm", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "i.qcow2"},
			[]string{"create", "-q", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "q.qcow2"})
	})
}

func BenchmarkInfoQcow2(b *testing.B) {
	benchSandboxes(b, func(b *testing.B, sandbox string) {
		dir := b.TempDir()
		qemuImg(b, dir, "create", "-q", "-f", "qcow2", "p.qcow2", "1G")
		benchPair(b, dir,
			[]string{"info", "--output=json", sandbox, filepath.Join(dir, "p.qcow2")},
			[]string{"info", "--output=json", filepath.Join(dir, "p.qcow2")})
	})
}
