// Package testenv holds the one rule every instar test suite follows for
// outside dependencies: the oracles (qemu-img, vhdiinfo, vmdkinfo) and
// /dev/kvm.
//
// Outside CI a missing dependency skips the test with a reason. Under CI=true
// it fails the test, so a green CI run never hides a skipped suite.
//
// The package imports only the standard library so that every module, the
// format libraries included, can use it from tests.
package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true in the environment).
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// unavailable skips the test outside CI and fails it under CI.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true requires this dependency: "+format, args...)
	}
	t.Skipf(format, args...)
}

// RequireTool returns the path of the named program, or skips (fails under
// CI) when it is not installed. `make test` installs every tool this is
// asked for.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "%s not found on PATH (run `make test`, which installs it, or apt-get install %s)", name, packageOf(name))
	}
	return p
}

// packageOf names the Debian package that provides an oracle program.
func packageOf(tool string) string {
	switch tool {
	case "qemu-img", "qemu-io":
		return "qemu-utils"
	case "vhdiinfo":
		return "libvhdi-utils"
	case "vmdkinfo":
		return "libvmdk-utils"
	}
	return tool
}

// RequireQemuImg returns the path of qemu-img (see RequireTool).
func RequireQemuImg(t testing.TB) string {
	t.Helper()
	return RequireTool(t, "qemu-img")
}

// RequireKVM skips (fails under CI) unless /dev/kvm can be opened read-write.
func RequireKVM(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		unavailable(t, "KVM is not usable: %v (load kvm_intel/kvm_amd, or add this user to the kvm group)", err)
		return
	}
	f.Close()
}

// Run runs a program and returns its standard output, failing the test with
// the program's standard error when it exits non-zero.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, stderr, err := RunErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr)
	}
	return out
}

// RunErr runs a program and returns its standard output, standard error and
// exit error, for tests that expect a command to fail.
func RunErr(name string, args ...string) (stdout, stderr []byte, err error) {
	var o, e bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// QemuImg runs qemu-img with args (skipping or failing as RequireQemuImg
// does when it is missing) and returns its standard output.
func QemuImg(t testing.TB, args ...string) []byte {
	t.Helper()
	return Run(t, RequireQemuImg(t), args...)
}

// QemuInfo returns `qemu-img info --output=json` of an image as a generic
// JSON object. Pass format "" to let qemu-img probe.
func QemuInfo(t testing.TB, format, path string) map[string]any {
	t.Helper()
	args := []string{"info", "--output=json"}
	if format != "" {
		args = append(args, "-f", format)
	}
	out := QemuImg(t, append(args, path)...)
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("qemu-img info %s: %v\n%s", path, err, out)
	}
	return m
}

// QemuCheck runs `qemu-img check` on an image and fails the test unless it
// reports no errors and no leaks. qemu-img cannot check vpc images (it exits
// 63 saying so); callers verify those with vhdiinfo instead, so QemuCheck
// refuses the format rather than pretending.
func QemuCheck(t testing.TB, format, path string) {
	t.Helper()
	if format == "vpc" {
		t.Fatalf("qemu-img check does not support vpc; use vhdiinfo for %s", path)
	}
	out, stderr, err := RunErr(RequireQemuImg(t), "check", "-f", format, path)
	if err != nil {
		t.Fatalf("qemu-img check %s: %v\n%s%s", path, err, out, stderr)
	}
}
