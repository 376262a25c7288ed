package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/vmm"
)

func report(command string, err error) string {
	var b bytes.Buffer
	reportError(&b, command, err)
	return b.String()
}

func TestReportUsageError(t *testing.T) {
	got := report("create", usagef("Unexpected argument: %s", "2G"))
	want := "instar: Unexpected argument: 2G\nTry 'instar create --help' for more information\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var b bytes.Buffer
	if status := run(context.Background(), []string{"frob\x1b"}, &b, &b); status != 1 ||
		b.String() != "instar: unknown command 'frob\\x1b'\nTry 'instar --help' for more information\n" {
		t.Errorf("unknown command: status %d, output %q", status, b.String())
	}
}

func TestReportCodedErrorWithAdvice(t *testing.T) {
	err := withName("c.qcow2", &create.Error{Code: create.BackingTooLarge, Msg: "The backing file's virtual size is too large"})
	got := report("create", err)
	if !strings.HasPrefix(got, "instar: c.qcow2: The backing file's virtual size is too large\n") ||
		!strings.Contains(got, "instar: BACKING_SIZE_TOO_LARGE: "+create.BackingTooLarge.Message()) {
		t.Errorf("got %q", got)
	}
}

// TestReportEscapesHostileText checks that a file name or guest detail
// with terminal escapes is printed escaped, line by line.
func TestReportEscapesHostileText(t *testing.T) {
	err := withName("evil\x1b]0;owned\x07.qcow2", &create.Error{Code: create.BackingParseFailed, Msg: "bad \x1b[2J header\nsecond line"})
	got := report("create", err)
	if strings.ContainsAny(got, "\x1b\x07") {
		t.Errorf("control characters reached the terminal: %q", got)
	}
	if !strings.Contains(got, `evil\x1b]0;owned\x07.qcow2: bad \x1b[2J header`) || !strings.Contains(got, "instar: second line\n") {
		t.Errorf("got %q", got)
	}
}

// TestSandboxErrorsNameTheRemedy checks the messages of the sandbox's own
// failures, which no end-to-end test can provoke on a host with KVM.
func TestSandboxErrorsNameTheRemedy(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code create.Code
		want string
	}{
		{fmt.Errorf("%w: open /dev/kvm: no such file or directory", vmm.ErrKVMUnavailable), create.KVMUnavailable, "--sandbox=none"},
		{fmt.Errorf("%w: PT_INTERP", vmm.ErrNotStaticELF), create.Internal, "CGO_ENABLED=0"},
		{&vmm.GuestFault{Vector: vmm.VectorPageFault}, create.GuestFault, "page fault"},
		{vmm.ErrTimeLimit, create.TimeLimit, "longer than"},
		{vmm.ErrMemoryLimit, create.MemoryLimit, "MiB"},
		{vmm.ErrOutputLimit, create.OutputLimit, "wrote more"},
	} {
		err := sandboxError(tc.err)
		var ce *create.Error
		if !errors.As(err, &ce) || ce.Code != tc.code || !errors.Is(err, tc.err) {
			t.Errorf("%v: got %#v, want code %v wrapping the vmm error", tc.err, err, tc.code)
			continue
		}
		if msg := report("create", err); !strings.Contains(msg, tc.want) {
			t.Errorf("%v: message %q does not say %q", tc.err, msg, tc.want)
		}
	}
}
