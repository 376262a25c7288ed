package vmm

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// snapshotCases are guests whose runs from a snapshot must do exactly what
// fresh runs do: descriptors, threads, waits and refused syscalls.
var snapshotCases = []struct {
	mode string
	cfg  func() Config
}{
	{"trivial", func() Config {
		return Config{Env: fastEnv, Files: []File{{Mode: ReadOnly, Data: make([]byte, 4096)}}}
	}},
	{"files", func() Config {
		return Config{Env: fastEnv, Files: []File{{Mode: ReadOnly, Data: []byte("ABCDEFGHIJ-tail5")}, {Mode: WriteOnly}}}
	}},
	{"goroutines", func() Config { return Config{Env: []string{"GOMAXPROCS=4"}} }},
	{"sleep", func() Config { return Config{} }},
	{"refused", func() Config { return Config{Env: fastEnv} }},
}

// TestSnapshotRunsMatchFreshRuns runs guests from snapshots and checks that
// they do exactly what fresh runs of the same guests do.
func TestSnapshotRunsMatchFreshRuns(t *testing.T) {
	testenv.RequireKVM(t)
	for _, c := range snapshotCases {
		t.Run(c.mode, func(t *testing.T) {
			fresh := mustRun(t, c.cfg(), c.mode)
			for i := 0; i < 3; i++ {
				cfg := c.cfg()
				cfg.Snapshot = true
				res := mustRun(t, cfg, c.mode)
				if !bytes.Equal(res.Stdout, fresh.Stdout) || fmt.Sprint(res.Files) != fmt.Sprint(fresh.Files) {
					t.Fatalf("run %d from the snapshot printed %q and wrote %q; a fresh run printed %q and wrote %q",
						i, res.Stdout, res.Files, fresh.Stdout, fresh.Files)
				}
				if i > 0 && res.Stats.Syscalls[sysRtSigaction] != 0 {
					t.Errorf("run %d from the snapshot repeated the runtime's start-up (%d rt_sigaction)", i, res.Stats.Syscalls[sysRtSigaction])
				}
			}
		})
	}
}

// TestSnapshotKeepsEachRunsInputs checks that a snapshot is taken before
// the guest reads anything: every run sees its own stdin.
func TestSnapshotKeepsEachRunsInputs(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := []byte(fmt.Sprintf("input number %d", i))
			res, err := run(t, Config{Env: fastEnv, Stdin: in, Snapshot: true}, "echo")
			if err != nil || !bytes.Equal(res.Stdout, in) {
				t.Errorf("run %d: %v, stdout %q", i, err, stdoutOf(res))
			}
		}()
	}
	wg.Wait()
}

// TestSnapshotLimitsStillApply checks limits and faults on restored runs.
func TestSnapshotLimitsStillApply(t *testing.T) {
	for i := 0; i < 2; i++ {
		_, err := run(t, Config{Env: fastEnv, Snapshot: true, Files: []File{{Mode: WriteOnly, MaxSize: 4096}}}, "overwrite")
		if !errors.Is(err, ErrOutputLimit) {
			t.Fatalf("run %d: err = %v, want ErrOutputLimit", i, err)
		}
	}
}
