package vmm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// forgetSnapshots drops this process's snapshots, so that the next run
// behaves as the first run of a new process would.
func forgetSnapshots() {
	snapshots.mu.Lock()
	snapshots.entries, snapshots.order = nil, nil
	snapshots.mu.Unlock()
}

// snapshotFiles lists the snapshot files in dir.
func snapshotFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+snapshotSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSnapshotFileCarriesAcrossProcesses checks that a snapshot saved by
// one process starts the guest in the next, which then does exactly what
// a fresh run does, without redoing the runtime's start-up.
func TestSnapshotFileCarriesAcrossProcesses(t *testing.T) {
	testenv.RequireKVM(t)
	dir := filepath.Join(t.TempDir(), "cache") // Run makes it
	for _, c := range snapshotCases {
		t.Run(c.mode, func(t *testing.T) {
			forgetSnapshots()
			fresh := mustRun(t, c.cfg(), c.mode)
			want := []Start{StartFresh, StartSnapshotFile, StartSnapshotFile}
			for i, start := range want {
				forgetSnapshots() // each run as a new process
				cfg := c.cfg()
				cfg.Snapshot, cfg.SnapshotDir = true, dir
				res := mustRun(t, cfg, c.mode)
				if res.Stats.Start != start {
					t.Fatalf("run %d started from %v, want %v", i, res.Stats.Start, start)
				}
				if !bytes.Equal(res.Stdout, fresh.Stdout) || fmt.Sprint(res.Files) != fmt.Sprint(fresh.Files) {
					t.Fatalf("run %d printed %q and wrote %q; a fresh run printed %q and wrote %q",
						i, res.Stdout, res.Files, fresh.Stdout, fresh.Files)
				}
				if start == StartSnapshotFile && res.Stats.Syscalls[sysRtSigaction] != 0 {
					t.Errorf("run %d from the file repeated the runtime's start-up (%d rt_sigaction)", i, res.Stats.Syscalls[sysRtSigaction])
				}
			}
		})
	}
	if n := len(snapshotFiles(t, dir)); n != len(snapshotCases) {
		t.Errorf("%d snapshot files, want one per configuration (%d)", n, len(snapshotCases))
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("snapshot directory: %v, mode %v; want 0700", err, st.Mode())
	}
}

// TestSnapshotFileDamagedIsReplaced checks that a damaged or foreign file
// is ignored (the guest boots fresh and runs correctly) and replaced.
func TestSnapshotFileDamagedIsReplaced(t *testing.T) {
	testenv.RequireKVM(t)
	dir := t.TempDir()
	cfg := Config{Env: fastEnv, Stdin: []byte("hello"), Snapshot: true, SnapshotDir: dir}
	forgetSnapshots()
	mustRun(t, cfg, "echo")
	files := snapshotFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("%d snapshot files after the first run, want 1", len(files))
	}
	good, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string]func([]byte) []byte{
		"flipped byte": func(b []byte) []byte { b[len(b)/2] ^= 1; return b },
		"truncated":    func(b []byte) []byte { return b[:len(b)-100] },
		"empty":        func([]byte) []byte { return nil },
		"other key":    func(b []byte) []byte { return reseal(b, func(p []byte) { p[len(snapshotMagic)+4] ^= 1 }) },
		"newer format": func(b []byte) []byte { return reseal(b, func(p []byte) { p[len(snapshotMagic)]++ }) },
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(files[0], f(bytes.Clone(good)), 0o600); err != nil {
				t.Fatal(err)
			}
			forgetSnapshots()
			res := mustRun(t, cfg, "echo")
			if res.Stats.Start != StartFresh || string(res.Stdout) != "hello" {
				t.Fatalf("with a damaged file: started %v, printed %q; want a fresh start printing hello", res.Stats.Start, res.Stdout)
			}
			forgetSnapshots()
			if res := mustRun(t, cfg, "echo"); res.Stats.Start != StartSnapshotFile {
				t.Fatalf("the damaged file was not replaced: the next run started %v", res.Stats.Start)
			}
		})
	}
}

// reseal applies f to a snapshot file's body and recomputes its checksum,
// so that the decoder's own checks (not the checksum) must refuse it.
func reseal(b []byte, f func([]byte)) []byte {
	f(b[:len(b)-4])
	w := &snapshotWriter{b: b[:len(b)-4]}
	w.u32(crcOf(w.b))
	return w.b
}

// TestSnapshotFileNeedsPrivateDirectory checks that a directory others may
// write to, or a file that is a symlink, is never used.
func TestSnapshotFileNeedsPrivateDirectory(t *testing.T) {
	testenv.RequireKVM(t)
	shared := t.TempDir()
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Env: fastEnv, Stdin: []byte("x"), Snapshot: true, SnapshotDir: shared}
	for i := 0; i < 2; i++ {
		forgetSnapshots()
		if res := mustRun(t, cfg, "echo"); res.Stats.Start != StartFresh {
			t.Fatalf("run %d in a world-writable directory started from %v", i, res.Stats.Start)
		}
	}
	if files := snapshotFiles(t, shared); len(files) != 0 {
		t.Fatalf("a snapshot was saved into a world-writable directory: %v", files)
	}

	// A symlink in the right place is not followed.
	private := t.TempDir()
	cfg.SnapshotDir = private
	forgetSnapshots()
	mustRun(t, cfg, "echo")
	files := snapshotFiles(t, private)
	if len(files) != 1 {
		t.Fatalf("%d snapshot files, want 1", len(files))
	}
	elsewhere := filepath.Join(t.TempDir(), "real")
	if err := os.Rename(files[0], elsewhere); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, files[0]); err != nil {
		t.Fatal(err)
	}
	forgetSnapshots()
	if res := mustRun(t, cfg, "echo"); res.Stats.Start != StartFresh {
		t.Fatalf("a symlinked snapshot file was used (start %v)", res.Stats.Start)
	}
}

// TestSnapshotFilePrunes checks that a directory keeps at most
// maxSnapshotFiles snapshots, dropping the oldest.
func TestSnapshotFilePrunes(t *testing.T) {
	testenv.RequireKVM(t)
	dir := t.TempDir()
	for i := 0; i < maxSnapshotFiles+3; i++ {
		forgetSnapshots()
		// Each environment is another configuration, so another file.
		mustRun(t, Config{Env: append([]string{fmt.Sprintf("RUN=%d", i)}, fastEnv...), Stdin: []byte("x"), Snapshot: true, SnapshotDir: dir}, "echo")
	}
	if n := len(snapshotFiles(t, dir)); n != maxSnapshotFiles {
		t.Fatalf("%d snapshot files, want %d", n, maxSnapshotFiles)
	}
	forgetSnapshots()
	last := Config{Env: append([]string{fmt.Sprintf("RUN=%d", maxSnapshotFiles+2)}, fastEnv...), Stdin: []byte("x"), Snapshot: true, SnapshotDir: dir}
	if res := mustRun(t, last, "echo"); res.Stats.Start != StartSnapshotFile {
		t.Fatalf("the newest snapshot was pruned (start %v)", res.Stats.Start)
	}
}

// TestSnapshotDirNeedsSnapshot checks the configuration rule.
func TestSnapshotDirNeedsSnapshot(t *testing.T) {
	_, err := Run(t.Context(), Config{Path: "/bin/true", SnapshotDir: t.TempDir()})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("SnapshotDir without Snapshot: err = %v, want ErrInvalidConfig", err)
	}
}

// TestELFBuildID compares the build ID read from the guest's notes with
// what the Go toolchain says it is.
func TestELFBuildID(t *testing.T) {
	path := guestBinary(t)
	out, err := exec.Command("go", "tool", "buildid", path).Output()
	if err != nil {
		t.Fatalf("go tool buildid: %v", err)
	}
	got, err := fileBuildID(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimSpace(string(out)); string(got) != want {
		t.Fatalf("build ID %q, go tool buildid says %q", got, want)
	}
	if _, err := fileBuildID("snapshot_file_test.go"); !errors.Is(err, errNoBuildID) {
		t.Fatalf("a text file: err = %v, want errNoBuildID", err)
	}
}
