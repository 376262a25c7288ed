package create

import (
	"errors"
	"strings"
	"testing"
)

// TestCodeNumbersArePinned pins every code's number to its name. Codes are
// shared by old and new builds and by host and guest: a renumbering or a
// rename must fail here. Add new codes at the end of this table.
func TestCodeNumbersArePinned(t *testing.T) {
	golden := []string{
		0:  "OK",
		1:  "INVALID_OPTION",
		2:  "INVALID_SIZE",
		3:  "BACKING_READ_FAILED",
		4:  "BACKING_PARSE_FAILED",
		5:  "BACKING_PATH_TOO_LONG",
		6:  "WRITE_FAILED",
		7:  "UNSUPPORTED_FORMAT",
		8:  "BACKING_NOT_SIZEABLE",
		9:  "BACKING_SIZE_TOO_LARGE",
		10: "BACKING_DIFFERENCING",
		11: "PARENT_NAME_TOO_LONG",
		12: "PARENT_FORMAT_MISMATCH",
		13: "PARENT_SIZE_MISMATCH",
		14: "PARENT_PATH_NOT_REPRESENTABLE",
		15: "BACKING_AMBIGUOUS",
		16: "KVM_UNAVAILABLE",
		17: "GUEST_FAULT",
		18: "TIME_LIMIT",
		19: "MEMORY_LIMIT",
		20: "OUTPUT_LIMIT",
		21: "BAD_GUEST_RESULT",
		22: "INTERNAL",
		23: "OUTPUT_EXISTS",
	}
	for n, name := range golden {
		if got := Code(n).String(); got != name {
			t.Errorf("Code(%d).String() = %q, pinned as %q", n, got, name)
		}
	}
	if len(codeTable) != len(golden) {
		t.Errorf("codeTable has %d codes, the golden table %d: add the new code to the golden table", len(codeTable), len(golden))
	}
	if Code(len(golden)).Known() {
		t.Errorf("Code(%d) is defined but not pinned", len(golden))
	}
}

// TestCodeMessages checks every code has a message that says what to try,
// and that an unknown code from a newer build still prints usefully.
func TestCodeMessages(t *testing.T) {
	for c := range codeTable {
		if c != OK && len(c.Message()) < 30 {
			t.Errorf("%v: message %q is too short to say what to try", c, c.Message())
		}
	}
	if s := Code(999).String(); s != "CODE_999" {
		t.Errorf("unknown code String() = %q", s)
	}
	if !strings.Contains(Code(999).Message(), "999") {
		t.Errorf("unknown code message %q does not name the number", Code(999).Message())
	}
	if !strings.Contains(BackingTooLarge.Message(), "larger cluster size") {
		t.Errorf("BACKING_SIZE_TOO_LARGE message lacks its hint: %q", BackingTooLarge.Message())
	}
}

// TestCodeOfAndProblems checks codes survive wrapping and lists.
func TestCodeOfAndProblems(t *testing.T) {
	_, err := ParseRequest(&Request{Format: "qcow2", Filename: "x", Size: "1Q", Options: []string{"foo=1,cluster_size=3k"}})
	ps := Problems(err)
	if len(ps) != 3 {
		t.Fatalf("Problems = %v, want three (foo, size, cluster_size)", ps)
	}
	if CodeOf(err) != InvalidOption {
		t.Errorf("CodeOf = %v", CodeOf(err))
	}
	for _, want := range []string{"Invalid parameter 'foo'", "Invalid image size specified", "cluster_size=3072"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	wrapped := wrapError(BackingReadFailed, "read", errors.New("disk on fire"))
	if CodeOf(wrapped) != BackingReadFailed || CodeOf(nil) != OK || CodeOf(errors.New("x")) != Internal {
		t.Error("CodeOf does not find codes through wrapping")
	}
}
