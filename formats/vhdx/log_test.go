package vhdx

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestLogReplayMatchesQemu makes a real log with qemu-io (qemu clears the
// header's log GUID after each flush, leaving the entry behind), then
// points the headers' log GUID back at that entry, as a crash before the
// clear would leave it. qemu-img must then refuse the image read-only
// and Parse must flag it; with a log GUID no entry carries, both treat
// the log as empty.
func TestLogReplayMatchesQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	qemuIO := testenv.RequireTool(t, "qemu-io")
	src := qemuCreate(t, "1G", "")
	testenv.Run(t, qemuIO, "-f", "vhdx", "-c", "write -P 0xab 0 64k", src)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	entry := b[1*mib:]
	if string(entry[:4]) != logEntrySignature {
		t.Fatalf("qemu-io left no log entry at 1 MiB: % x", entry[:16])
	}
	var entryGUID GUID
	copy(entryGUID[:], entry[logEntryGUIDOff:])

	for _, c := range []struct {
		name   string
		guid   GUID
		replay bool
	}{
		{"entry's GUID", entryGUID, true},
		{"unrelated GUID", mustGUID("01234567-89ab-cdef-0123-456789abcdef"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := append([]byte(nil), b...)
			for _, off := range []int{header1Offset, header2Offset} {
				copy(img[off+hdrLogGUIDOff:], c.guid[:])
				binary.LittleEndian.PutUint32(img[off+hdrChecksumOff:], checksum(img[off:off+headerSize], hdrChecksumOff))
			}
			path := filepath.Join(t.TempDir(), "log.vhdx")
			if err := os.WriteFile(path, img, 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, qerr := testenv.RunErr(qemu, "info", "-f", "vhdx", path)
			if qemuRefuses := qerr != nil && strings.Contains(string(stderr), "replay"); qemuRefuses != c.replay {
				t.Fatalf("qemu-img info: %v %s", qerr, stderr)
			}
			if got := parseFile(t, path).Info().NeedsLogReplay; got != c.replay {
				t.Errorf("NeedsLogReplay = %v, qemu-img says %v", got, c.replay)
			}
		})
	}
}
