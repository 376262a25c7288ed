package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// instarBin is the instar executable the end-to-end tests run, built once
// by TestMain the way `make build` builds it (static), plus the
// instar_testhooks tag for the hostile-backing test.
var instarBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "instar-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	instarBin = filepath.Join(dir, "instar")
	// The runs share one snapshot cache, so most of them start their guest
	// from the snapshot file, as a user's do; none touches $HOME.
	os.Setenv(cacheEnv, filepath.Join(dir, "cache"))
	build := exec.Command("go", "build", "-tags", "instar_testhooks", "-o", instarBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building instar: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the instar executable.
type result struct {
	stdout, stderr string
	status         int
}

// instar runs the built executable in dir with a time limit, so a test
// that would hang (a FIFO read on the host) fails instead.
func instar(t testing.TB, dir string, args ...string) result {
	t.Helper()
	return instarEnv(t, dir, nil, args...)
}

// instarEnv is instar with env added to the environment.
func instarEnv(t testing.TB, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, instarBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("instar %q did not finish within the time limit", args)
	}
	r := result{stdout: o.String(), stderr: e.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.status = ee.ExitCode()
	case err != nil:
		t.Fatalf("instar %q: %v", args, err)
	}
	return r
}

// instarOK runs instar and fails the test unless it exits 0.
func instarOK(t testing.TB, dir string, args ...string) result {
	t.Helper()
	r := instar(t, dir, args...)
	if r.status != 0 {
		t.Fatalf("instar %q exited %d\nstdout: %s\nstderr: %s", args, r.status, r.stdout, r.stderr)
	}
	return r
}

// instarFails runs instar and fails the test unless it exits 1 with a
// message on stderr and no panic.
func instarFails(t testing.TB, dir string, args ...string) result {
	t.Helper()
	r := instar(t, dir, args...)
	if r.status != 1 {
		t.Fatalf("instar %q exited %d, want 1\nstdout: %s\nstderr: %s", args, r.status, r.stdout, r.stderr)
	}
	if !bytes.HasPrefix([]byte(r.stderr), []byte("instar: ")) || bytes.Contains([]byte(r.stderr), []byte("goroutine ")) {
		t.Fatalf("instar %q: stderr is not a clean instar error:\n%s", args, r.stderr)
	}
	return r
}

// sandboxes lists the --sandbox modes every end-to-end behaviour is run
// in; a kvm subtest requires /dev/kvm (a failure under CI, a skip
// elsewhere).
var sandboxes = []string{"kvm", "none"}

// inSandbox runs f as one subtest per sandbox mode with the --sandbox flag
// to pass.
func inSandbox(t *testing.T, f func(t *testing.T, flag string)) {
	for _, mode := range sandboxes {
		t.Run(mode, func(t *testing.T) {
			if mode == "kvm" {
				testenv.RequireKVM(t)
			}
			f(t, "--sandbox="+mode)
		})
	}
}

// qemuImg runs qemu-img in dir and returns its standard output.
func qemuImg(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testenv.RequireQemuImg(t), args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("qemu-img %q: %v\n%s", args, err, e.String())
	}
	return o.String()
}

// noFile fails the test if dir/name exists, or if a temporary file of an
// aborted create was left in dir.
func noFile(t testing.TB, dir, name string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a failed create (%v)", name, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".instar-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %q", left)
	}
}

// mkfifo makes a named pipe.
func mkfifo(t testing.TB, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}
