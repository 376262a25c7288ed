package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// qemuInfoIn is qemu-img info --output=json of dir/name.
func qemuInfoIn(t *testing.T, dir, name string) map[string]any {
	t.Helper()
	return testenv.QemuInfo(t, "", filepath.Join(dir, name))
}

// wantBacking checks what qemu-img reads from a child: its virtual size
// TestCreateFailureKeepsExistingFile checks that a failed create leaves an
// existing file of the same name untouched.
func TestCreateFailureKeepsExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.qcow2")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	instarFails(t, dir, "create", "--sandbox=none", "-f", "qcow2", "-b", "gone", "-F", "raw", "c.qcow2")
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Errorf("the existing file now holds %q", b)
	}
}

// TestCreateRefusesSpecialBackings checks that directories and FIFOs are
// refused as backing files, and that a FIFO is never waited on.
func TestCreateRefusesSpecialBackings(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	mkfifo(t, filepath.Join(dir, "afifo"))
	for name, want := range map[string]string{"adir": "directory", "afifo": "FIFO"} {
		r := instarFails(t, dir, "create", "--sandbox=none", "-f", "vpc", "-b", name, "-F", "vpc", "c.vhd")
		if !strings.Contains(r.stderr, want) {
			t.Errorf("-b %s: stderr does not say it is a %s:\n%s", name, want, r.stderr)
		}
		noFile(t, dir, "c.vhd")
	}
}

// TestCreateHostileBackingCrashesOnlyTheGuest feeds a backing that makes
// the parser fault (the test build's stand-in for a parser bug; see
// internal/guest/testhook_on.go): instar reports a guest fault cleanly and
// leaves no file.
func TestCreateHostileBackingCrashesOnlyTheGuest(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		dir := t.TempDir()
		evil := append([]byte("INSTAR-TEST-GUEST-FAULT"), make([]byte, 4096)...)
		if err := os.WriteFile(filepath.Join(dir, "evil.img"), evil, 0o644); err != nil {
			t.Fatal(err)
		}
		r := instarFails(t, dir, "create", sandbox, "-f", "vpc", "-b", "evil.img", "-F", "vpc", "c.vhd")
		if !strings.Contains(r.stderr, "GUEST_FAULT") {
			t.Errorf("stderr does not report a guest fault:\n%s", r.stderr)
		}
		noFile(t, dir, "c.vhd")
	})
}

// TestCreateOutputModes checks -q and --output=json.
func TestCreateOutputModes(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		dir := t.TempDir()
		if r := instarOK(t, dir, "create", "-qf", "vhdx", sandbox, "q.vhdx", "1M"); r.stdout != "" || r.stderr != "" {
			t.Errorf("-q printed %q / %q", r.stdout, r.stderr)
		}
		r := instarOK(t, dir, "create", "-f", "vhdx", "--output", "json", sandbox, "j.vhdx", "1.5M")
		var got struct {
			Format       string   `json:"format"`
			Filename     string   `json:"filename"`
			VirtualSize  int64    `json:"virtual-size"`
			UnitSize     int64    `json:"unit-size"`
			BytesWritten int64    `json:"bytes-written"`
			FileSize     int64    `json:"file-size"`
			Warnings     []string `json:"warnings"`
		}
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		fi, err := os.Stat(filepath.Join(dir, "j.vhdx"))
		if err != nil {
			t.Fatal(err)
		}
		m := qemuInfoIn(t, dir, "j.vhdx")
		if got.Format != "vhdx" || got.Filename != "j.vhdx" || float64(got.VirtualSize) != m["virtual-size"] ||
			float64(got.UnitSize) != m["cluster-size"] || got.FileSize != fi.Size() || got.BytesWritten <= 0 || got.Warnings == nil {
			t.Errorf("JSON result %+v does not describe the file (qemu-img: %v, size %d)", got, m, fi.Size())
		}
	})
}

// TestCreateOptionHelp checks -o help lists the format's options without
// creating anything.
func TestCreateOptionHelp(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"-o", "help"}, {"-o", "cluster_size=4k,help"}, {"x.qcow2", "-o", "?", "1G"}} {
		r := instarOK(t, dir, append([]string{"create", "-f", "qcow2"}, args...)...)
		for _, key := range []string{"cluster_size", "refcount_bits", "lazy_refcounts", "preallocation"} {
			if !strings.Contains(r.stdout, key) {
				t.Errorf("%q does not list %s:\n%s", args, key, r.stdout)
			}
		}
	}
	if r := instarFails(t, dir, "create", "-f", "qcow2"); !strings.Contains(r.stderr, "Expecting image file name") {
		t.Errorf("create without FILENAME: %s", r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("-o help created %d files", len(entries))
	}
}

// TestCreatePreallocation checks qcow2 preallocation through the sandbox:
// the guest writes the metadata and names the data ranges, the host
// allocates them. The file must be as long as qemu-img's and, for falloc
// and full, hold the data's space.
func TestCreatePreallocation(t *testing.T) {
	inSandbox(t, func(t *testing.T, sandbox string) {
		for _, mode := range []string{"metadata", "falloc", "full"} {
			dir, qdir := t.TempDir(), t.TempDir()
			args := []string{"create", "-q", "-f", "qcow2", "-o", "preallocation=" + mode, "p.qcow2", "4M"}
			instarOK(t, dir, append(args, sandbox)...)
			qemuImg(t, qdir, args...)
			path := filepath.Join(dir, "p.qcow2")
			testenv.QemuCheck(t, "qcow2", path)
			gi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			qi, err := os.Stat(filepath.Join(qdir, "p.qcow2"))
			if err != nil {
				t.Fatal(err)
			}
			if gi.Size() != qi.Size() {
				t.Errorf("%s: %d bytes, qemu-img's %d", mode, gi.Size(), qi.Size())
			}
			if mode != "metadata" && allocated(gi) < 4<<20 {
				t.Errorf("%s: only %d bytes allocated for 4 MiB of data", mode, allocated(gi))
			}
		}
	})
}

// TestNoKVMNamesTheRemedy hides /dev/kvm in a private mount namespace and
// checks that a create and an info fail saying what to do, --sandbox=none
// included. It needs unshare(1) and the right to mount, so it skips
// without them.
func TestNoKVMNamesTheRemedy(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.img"), make([]byte, 512), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("unshare", "-m", "sh", "-c", "mount -t tmpfs none /dev").CombinedOutput(); err != nil {
		t.Skipf("cannot hide /dev/kvm in a mount namespace: %v %s", err, out)
	}
	for _, args := range [][]string{{"create", "-f", "qcow2", "c.qcow2", "1M"}, {"info", "r.img"}} {
		cmd := exec.Command("unshare", "-m", "sh", "-c", `mount -t tmpfs none /dev && exec "$0" "$@"`, instarBin)
		cmd.Args = append(cmd.Args, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "KVM_UNAVAILABLE") || !strings.Contains(string(out), "--sandbox=none") ||
			!strings.Contains(string(out), "/dev/kvm") {
			t.Errorf("%q without /dev/kvm: %v\n%s", args, err, out)
		}
	}
	noFile(t, dir, "c.qcow2")
}

// TestCreateInterruptedLeavesNoFile interrupts a long sandboxed create (the
// metadata of a 4 TiB preallocated qcow2) and checks that instar stops the
// guest, says so and removes its temporary file.
func TestCreateInterruptedLeavesNoFile(t *testing.T) {
	testenv.RequireKVM(t)
	dir := t.TempDir()
	cmd := exec.Command(instarBin, "create", "-q", "--sandbox=kvm", "-f", "qcow2", "-o", "preallocation=metadata", "big.qcow2", "4T")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the guest is writing: its temporary file exists.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if tmp, _ := filepath.Glob(filepath.Join(dir, ".big.qcow2.instar-*")); len(tmp) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no temporary file appeared")
		}
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	stop := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer stop.Stop()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("interrupted create: %v\n%s", err, stderr.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
