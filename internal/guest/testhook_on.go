//go:build instar_testhooks

package guest

import (
	"bytes"
	"io"
)

// FaultMagic starts a backing file that makes a guest built with the
// instar_testhooks tag dereference a nil pointer: the stand-in for a parser
// bug that a hostile image triggers, so tests can check that such a crash
// stays inside the sandbox (a guest fault under KVM, a recovered panic with
// --sandbox=none) and leaves no file behind. Normal builds have no hook.
const FaultMagic = "INSTAR-TEST-GUEST-FAULT"

var faultTarget *int

// testHook faults when the backing starts with FaultMagic.
func testHook(r io.ReaderAt, size int64) {
	head := make([]byte, len(FaultMagic))
	if size < int64(len(head)) {
		return
	}
	if _, err := r.ReadAt(head, 0); err == nil && bytes.Equal(head, []byte(FaultMagic)) {
		*faultTarget = 1
	}
}
