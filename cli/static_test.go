package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDefaultBuildIsStatic guards the README's `go run ./cli …`: the sandbox
// re-enters this very executable as a kernel-less guest, which can only load
// a static ELF. `go run` builds with the machine's default CGO_ENABLED (1
// where gcc exists), so one import of a package with cgo code — net, os/user,
// or github.com/spf13/pflag, which imports net — silently turns the binary
// into a dynamically linked one. Keep such packages out of the command.
func TestDefaultBuildIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command; skipped in -short mode")
	}
	out := filepath.Join(t.TempDir(), "instar")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Env = os.Environ() // the default CGO_ENABLED, as `go run` uses
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("`go build ./cli` produced a dynamically linked binary; the guest must be static: " +
				"remove imports of net, os/user or packages that use them (spf13/pflag imports net), " +
				"or any cgo")
		}
	}
}
