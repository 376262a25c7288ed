package vmm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// fastEnv makes a Go guest start with the fewest exits.
var fastEnv = []string{"GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1"}

// run boots the test guest in mode with extra arguments.
func run(t *testing.T, cfg Config, mode string, args ...string) (*Result, error) {
	t.Helper()
	testenv.RequireKVM(t)
	cfg.Path = guestBinary(t)
	cfg.Args = append([]string{"guest", mode}, args...)
	return Run(context.Background(), cfg)
}

// mustRun is run for a guest that must exit with status 0.
func mustRun(t *testing.T, cfg Config, mode string, args ...string) *Result {
	t.Helper()
	res, err := run(t, cfg, mode, args...)
	if err != nil {
		t.Fatalf("Run %s: %v (stderr %q)", mode, err, stderrOf(res))
	}
	if res.ExitStatus != 0 {
		t.Fatalf("guest %s exited %d; stderr:\n%s", mode, res.ExitStatus, res.Stderr)
	}
	return res
}

func stderrOf(res *Result) []byte {
	if res == nil {
		return nil
	}
	return res.Stderr
}

func TestOutputArgsEnvAndStatusReachTheHost(t *testing.T) {
	res, err := run(t, Config{Env: []string{"GUEST_VAR=from-host"}}, "hello", "one", "two")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitStatus != 7 {
		t.Errorf("exit status %d, want 7", res.ExitStatus)
	}
	if want := "hello from the guest [one two] from-host\n"; string(res.Stdout) != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
	if want := "to stderr\n"; string(res.Stderr) != want {
		t.Errorf("stderr %q, want %q", res.Stderr, want)
	}
	st := res.Stats
	if st.Exits[ExitSyscall] == 0 || st.Syscalls[sysWrite] < 2 || st.Syscalls[sysExitGroup] != 1 || st.VCPUs < 1 {
		t.Errorf("implausible statistics: %+v", st)
	}
	if st.Setup <= 0 || st.Run <= 0 || st.Memory <= 0 {
		t.Errorf("setup %v, run %v, memory %d: want all positive", st.Setup, st.Run, st.Memory)
	}
}

func TestGuestBytesReachTheCallerAsData(t *testing.T) {
	in := make([]byte, 0, 3*256)
	for i := 0; i < 3*256; i++ {
		in = append(in, byte(i))
	}
	res := mustRun(t, Config{Stdin: in, Env: fastEnv}, "echo")
	if !bytes.Equal(res.Stdout, in) {
		t.Errorf("stdout differs from stdin: got %d bytes %q…", len(res.Stdout), res.Stdout[:min(len(res.Stdout), 16)])
	}
}

func TestExecutableFromBytes(t *testing.T) {
	testenv.RequireKVM(t)
	b, err := os.ReadFile(guestBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Executable: b, Args: []string{"guest", "echo"}, Stdin: []byte("via bytes"), Env: fastEnv})
	if err != nil || string(res.Stdout) != "via bytes" {
		t.Fatalf("Run from bytes: %v, stdout %q", err, stdoutOf(res))
	}
}

func stdoutOf(res *Result) []byte {
	if res == nil {
		return nil
	}
	return res.Stdout
}

func TestDescriptorsAtOffsets(t *testing.T) {
	content := []byte("ABCDEFGHIJ-tail5")
	want := "size=16 tail=\"tail5\" head=\"ABC\" write-to-read-only-fails=true\n"
	wantOut := append(append([]byte("ABC"), make([]byte, 97)...), "tail5"...)

	t.Run("host files", func(t *testing.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		if err := os.WriteFile(in, content, 0o600); err != nil {
			t.Fatal(err)
		}
		inF, err := os.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		defer inF.Close()
		outF, err := os.Create(filepath.Join(dir, "out"))
		if err != nil {
			t.Fatal(err)
		}
		defer outF.Close()
		res := mustRun(t, Config{Env: fastEnv, Files: []File{
			{Mode: ReadOnly, Host: inF},
			{Mode: WriteOnly, Host: outF, MaxSize: 1 << 20},
		}}, "files")
		if string(res.Stdout) != want {
			t.Errorf("stdout %q, want %q", res.Stdout, want)
		}
		got, err := os.ReadFile(outF.Name())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wantOut) {
			t.Errorf("output file %q, want %q", got, wantOut)
		}
		if off, _ := inF.Seek(0, 1); off != 0 {
			t.Errorf("the host file's offset moved to %d", off)
		}
		if res.Files[0] != nil || res.Files[1] != nil {
			t.Errorf("Result.Files holds content for host-backed descriptors")
		}
	})
	t.Run("buffers", func(t *testing.T) {
		res := mustRun(t, Config{Env: fastEnv, Files: []File{
			{Mode: ReadOnly, Data: content},
			{Mode: WriteOnly},
		}}, "files")
		if string(res.Stdout) != want {
			t.Errorf("stdout %q, want %q", res.Stdout, want)
		}
		if !bytes.Equal(res.Files[1], wantOut) {
			t.Errorf("output buffer %q, want %q", res.Files[1], wantOut)
		}
	})
}

func TestAllocating100MiBWithGC(t *testing.T) {
	res := mustRun(t, Config{Env: []string{"GOMAXPROCS=2"}}, "alloc")
	if want := "allocated 100 MiB, kept 10 gcs>0 true\n"; string(res.Stdout) != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
}

func TestManyGoroutinesOnSeveralVCPUs(t *testing.T) {
	res := mustRun(t, Config{Env: []string{"GOMAXPROCS=4"}}, "goroutines")
	if want := fmt.Sprintf("goroutines 200 sum %d procs 4\n", 199*200/2); string(res.Stdout) != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
	if res.Stats.VCPUs < 3 {
		t.Errorf("only %d vCPUs for GOMAXPROCS=4", res.Stats.VCPUs)
	}
}

func TestTimersAndSleep(t *testing.T) {
	res := mustRun(t, Config{}, "sleep")
	if want := "slept true\n"; string(res.Stdout) != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
}

func TestNilDereferenceIsAGuestFault(t *testing.T) {
	res, err := run(t, Config{Env: fastEnv}, "nil")
	var f *GuestFault
	if !errors.As(err, &f) || !errors.Is(err, ErrGuestFault) {
		t.Fatalf("err = %v, want a *GuestFault", err)
	}
	if f.Vector != VectorPageFault || f.CR2 >= 4096 || f.RIP == 0 {
		t.Errorf("fault %+v: want vector 14 at an address below 4096", f)
	}
	if !strings.Contains(err.Error(), "#PF") || res == nil {
		t.Errorf("error %q should name #PF and come with a Result", err)
	}
}

func TestEndlessLoopHitsTheTimeLimit(t *testing.T) {
	start := time.Now()
	_, err := run(t, Config{Env: fastEnv, Limits: Limits{WallTime: 300 * time.Millisecond}}, "loop")
	if !errors.Is(err, ErrTimeLimit) {
		t.Fatalf("err = %v, want ErrTimeLimit", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stopping took %v", d)
	}
}

func TestAllocatingPastTheMemoryLimit(t *testing.T) {
	_, err := run(t, Config{Env: fastEnv, Limits: Limits{Memory: 64 << 20}}, "hog")
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("err = %v, want ErrMemoryLimit", err)
	}
}

func TestOutputLimits(t *testing.T) {
	t.Run("stdout", func(t *testing.T) {
		res, err := run(t, Config{Env: fastEnv, Limits: Limits{Stdout: 64 << 10}}, "spew")
		if !errors.Is(err, ErrOutputLimit) {
			t.Fatalf("err = %v, want ErrOutputLimit", err)
		}
		if res == nil || len(res.Stdout) != 64<<10 {
			t.Errorf("want exactly the first 64 KiB of stdout, got %d bytes", len(stdoutOf(res)))
		}
	})
	t.Run("descriptor cap", func(t *testing.T) {
		_, err := run(t, Config{Env: fastEnv, Files: []File{{Mode: WriteOnly, MaxSize: 4096}}}, "overwrite")
		if !errors.Is(err, ErrOutputLimit) {
			t.Fatalf("err = %v, want ErrOutputLimit", err)
		}
	})
	t.Run("total written", func(t *testing.T) {
		_, err := run(t, Config{Env: fastEnv, Files: []File{{Mode: WriteOnly}}, Limits: Limits{Written: 1000}}, "overwrite")
		if !errors.Is(err, ErrOutputLimit) {
			t.Fatalf("err = %v, want ErrOutputLimit", err)
		}
	})
}

func TestRefusedSyscallsFailInsideTheGuest(t *testing.T) {
	res := mustRun(t, Config{Env: fastEnv}, "refused")
	want := fmt.Sprintf("open %d\nsocket %d\nexecve %d\nptrace %d\nmount %d\nkill %d\n",
		syscall.ENOENT, syscall.ENOSYS, syscall.ENOSYS, syscall.ENOSYS, syscall.ENOSYS, syscall.ENOSYS)
	if string(res.Stdout) != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", res.Stdout, want)
	}
	for _, nr := range []Syscall{sysSocket, sysExecve, sysPtrace, sysMount, sysKill} {
		if res.Stats.Refused[nr] != 1 {
			t.Errorf("Refused[%v] = %d, want 1", nr, res.Stats.Refused[nr])
		}
	}
}

func TestNotAStaticAmd64ELF(t *testing.T) {
	for name, exe := range map[string][]byte{
		"not ELF": []byte("#!/bin/sh\necho hi\n"),
		"empty":   nil,
	} {
		_, err := Run(context.Background(), Config{Executable: exe, Path: map[bool]string{true: "", false: ""}[exe != nil]})
		if exe == nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
			}
			continue
		}
		if !errors.Is(err, ErrNotStaticELF) {
			t.Errorf("%s: err = %v, want ErrNotStaticELF", name, err)
		}
	}
	// A dynamically linked system program.
	for _, p := range []string{"/bin/true", "/usr/bin/true"} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		_, err := Run(context.Background(), Config{Path: p})
		if !errors.Is(err, ErrNotStaticELF) {
			t.Errorf("%s: err = %v, want ErrNotStaticELF", p, err)
		}
		break
	}
}

func TestInvalidConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no executable":        {},
		"both":                 {Path: "x", Executable: []byte{1}},
		"bad mode":             {Path: "x", Files: []File{{}}},
		"write-only with data": {Path: "x", Files: []File{{Mode: WriteOnly, Data: []byte{1}}}},
		"too many vCPUs":       {Path: "x", Limits: Limits{VCPUs: MaxVCPUs + 1}},
		"negative memory":      {Path: "x", Limits: Limits{Memory: -1}},
	} {
		if _, err := Run(context.Background(), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestCancelStopsTheGuest(t *testing.T) {
	testenv.RequireKVM(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := Run(ctx, Config{Path: guestBinary(t), Args: []string{"guest", "loop"}, Env: fastEnv})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestVCPULimitRefusesThreads(t *testing.T) {
	// The Go runtime needs a second thread (sysmon) at once; with one vCPU
	// its clone answers EAGAIN and the runtime gives up.
	res, err := run(t, Config{Env: fastEnv, Limits: Limits{VCPUs: 1}}, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitStatus != 2 || !bytes.Contains(res.Stderr, []byte("errno=11")) {
		t.Errorf("exit status %d, stderr %q: want the runtime's thread-creation failure (EAGAIN)", res.ExitStatus, res.Stderr)
	}
	if res.Stats.VCPUs != 1 {
		t.Errorf("%d vCPUs created, want 1", res.Stats.VCPUs)
	}
}

// The Go runtime's scavenger relies on MADV_DONTNEED zeroing private
// anonymous memory: without it, a GC-heavy guest on two vCPUs sometimes
// got non-zero "fresh" memory and crashed (runtime: name offset out of
// range).
func TestMadviseDontneedZeroes(t *testing.T) {
	res := mustRun(t, Config{Env: fastEnv}, "madvise")
	if want := "madvise <nil> zeroed true kept true\n"; string(res.Stdout) != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
}
