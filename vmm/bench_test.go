package vmm

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// BenchmarkTrivialGuest boots a guest that reads 4 KiB from descriptor 3,
// prints a line and exits, and reports the median time from VM creation to
// exit (and with teardown), the setup and run parts, and the exits per
// run (medians): booted from the
// executable's entry point, and restored from a snapshot.
func BenchmarkTrivialGuest(b *testing.B) {
	testenv.RequireKVM(b)
	for _, snapshot := range []bool{false, true} {
		name := "fresh"
		if snapshot {
			name = "snapshot"
		}
		b.Run(name, func(b *testing.B) { benchTrivial(b, snapshot) })
	}
}

func benchTrivial(b *testing.B, snapshot bool) {
	cfg := Config{Path: guestBinary(b), Args: []string{"guest", "trivial"}, Env: fastEnv, Snapshot: snapshot,
		Files: []File{{Mode: ReadOnly, Data: make([]byte, 4096)}}}
	if _, err := Run(context.Background(), cfg); err != nil { // take the snapshot
		b.Fatal(err)
	}
	var totals, toExit, setups, runs []time.Duration
	var exits, syscalls, faults int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := Run(context.Background(), cfg)
		totals = append(totals, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		toExit = append(toExit, res.Stats.Setup+res.Stats.Run)
		setups = append(setups, res.Stats.Setup)
		runs = append(runs, res.Stats.Run)
		for _, n := range res.Stats.Exits {
			exits += n
		}
		syscalls += res.Stats.Exits[ExitSyscall]
		faults += res.Stats.Exits[ExitPageFault]
	}
	b.ReportMetric(float64(median(toExit).Microseconds())/1000, "create-to-exit-ms")
	b.ReportMetric(float64(median(totals).Microseconds())/1000, "with-teardown-ms")
	b.ReportMetric(float64(median(setups).Microseconds())/1000, "setup-ms")
	b.ReportMetric(float64(median(runs).Microseconds())/1000, "run-ms")
	b.ReportMetric(float64(exits)/float64(b.N), "exits/op")
	b.ReportMetric(float64(syscalls)/float64(b.N), "syscalls/op")
	b.ReportMetric(float64(faults)/float64(b.N), "faults/op")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkSyscallExit reports what one syscall exit round trip costs: a
// guest calling getpid 2000 times, against one that does not.
func BenchmarkSyscallExit(b *testing.B) {
	testenv.RequireKVM(b)
	path := guestBinary(b)
	var extra []time.Duration
	for i := 0; i < b.N; i++ {
		base, err := Run(context.Background(), Config{Path: path, Args: []string{"guest", "echo"}, Env: fastEnv})
		if err != nil {
			b.Fatal(err)
		}
		loop, err := Run(context.Background(), Config{Path: path, Args: []string{"guest", "getpid"}, Env: fastEnv})
		if err != nil {
			b.Fatal(err)
		}
		extra = append(extra, (loop.Stats.Run-base.Stats.Run)/2000)
	}
	b.ReportMetric(float64(median(extra).Nanoseconds())/1000, "µs/exit")
}
