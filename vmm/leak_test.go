package vmm

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// hostUsage is what a run must give back: OS threads, descriptors and RSS.
type hostUsage struct {
	threads, fds int
	rss          int64
}

func measureHost(t *testing.T) hostUsage {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(statm))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return hostUsage{threads: len(tasks), fds: len(fds), rss: pages * int64(os.Getpagesize())}
}

func TestRepeatedAndConcurrentRunsReleaseEverything(t *testing.T) {
	testenv.RequireKVM(t)
	path := guestBinary(t)
	cfg := Config{Path: path, Args: []string{"guest", "trivial"}, Env: fastEnv,
		Files: []File{{Mode: ReadOnly, Data: make([]byte, 4096)}}}
	// Most runs restore a snapshot (they are fast); every tenth boots the
	// executable afresh, so both paths are measured.
	runs := 0
	var mu sync.Mutex
	once := func() {
		mu.Lock()
		c := cfg
		c.Snapshot = runs%10 != 0
		runs++
		mu.Unlock()
		res, err := Run(context.Background(), c)
		if err != nil || string(res.Stdout) != "read 4096 true\n" {
			t.Errorf("Run: %v, stdout %q", err, stdoutOf(res))
		}
	}
	concurrently := func(n int) {
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); once() }()
		}
		wg.Wait()
	}
	// Warm up: the Go runtime keeps the idle threads it grew for the
	// first concurrent runs, and those are not the VMM's; the snapshot
	// is taken once and kept.
	concurrently(8)
	concurrently(8)
	before := measureHost(t)
	for i := 0; i < 200 && !t.Failed(); i++ {
		once()
	}
	concurrently(8)
	after := measureHost(t)
	t.Logf("before %+v, after %+v", before, after)
	if after.fds != before.fds {
		t.Errorf("descriptors: %d before, %d after", before.fds, after.fds)
	}
	if after.threads > before.threads+4 { // a leak would show one per run
		t.Errorf("threads: %d before, %d after", before.threads, after.threads)
	}
	if after.rss > before.rss+16<<20 {
		t.Errorf("RSS: %d bytes before, %d after", before.rss, after.rss)
	}
}
