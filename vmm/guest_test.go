package vmm

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The tests run one small guest program, built at test time from
// testdata/guest (its own module) with CGO_ENABLED=0, as the instar
// executable will be.
var (
	guestOnce sync.Once
	guestPath string
	guestErr  error
	guestDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if guestDir != "" {
		os.RemoveAll(guestDir)
	}
	os.Exit(code)
}

// guestBinary builds testdata/guest once per test binary and returns its path.
func guestBinary(t testing.TB) string {
	t.Helper()
	guestOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			guestErr = err
			return
		}
		if guestDir, guestErr = os.MkdirTemp("", "vmm-guest-"); guestErr != nil {
			return
		}
		guestPath = filepath.Join(guestDir, "guest")
		cmd := exec.Command(goTool, "build", "-trimpath", "-o", guestPath, ".")
		cmd.Dir = filepath.Join("testdata", "guest")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			guestErr = &buildError{err: err, out: string(out)}
		}
	})
	if guestErr != nil {
		t.Fatalf("building the test guest: %v", guestErr)
	}
	return guestPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }
