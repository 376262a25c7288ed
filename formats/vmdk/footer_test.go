package vmdk

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// streamWithFooter turns a planned streamOptimized image into one whose
// header defers to a footer (gdOffset = GD_AT_END), as VMware's stream
// writers make them: footer marker, footer header, end-of-stream marker.
func streamWithFooter(t testing.TB) []byte {
	t.Helper()
	cid := uint32(0x5eed)
	p, err := PlanImage(Options{Size: 4 << 20, FileName: "s.vmdk", Subformat: StreamOptimized, CID: &cid})
	if err != nil {
		t.Fatal(err)
	}
	b := planBytes(t, p)
	footerHeader := append([]byte(nil), b[:SectorSize]...)
	binary.LittleEndian.PutUint64(b[offGDOffset:], gdAtEnd)
	marker := func(typ uint32) []byte {
		m := make([]byte, SectorSize)
		binary.LittleEndian.PutUint32(m[markerOffType:], typ)
		return m
	}
	fm := marker(markerFooter)
	binary.LittleEndian.PutUint64(fm[markerOffValue:], 1) // footer marker value: one sector of header follows
	b = append(b, fm...)
	b = append(b, footerHeader...)
	return append(b, marker(markerEndOfStream)...)
}

// TestParseFooter: Parse takes the footer's header, and so does qemu-img.
func TestParseFooter(t *testing.T) {
	b := streamWithFooter(t)
	im := parseBytes(t, b)
	if !im.FooterHeader || im.Header.GDOffset == gdAtEnd || im.Info().VirtualSize != 4<<20 || im.Info().CreateType != "streamOptimized" {
		t.Fatalf("footer not used: %+v %+v", im.Header, im.Info())
	}
	testenv.RequireQemuImg(t)
	path := filepath.Join(t.TempDir(), "s.vmdk")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	q := infoJSON(t, path)
	if got := jsonInt(t, q["virtual-size"]); got != 4<<20 {
		t.Errorf("qemu-img reads virtual size %d", got)
	}
	testenv.QemuCheck(t, "vmdk", path)

	// A damaged end-of-stream marker is refused.
	b[len(b)-SectorSize+markerOffType] = 9
	if _, err := Parse(bytesReader(b), int64(len(b))); err == nil {
		t.Error("bad end-of-stream marker accepted")
	}
}

func parseBytes(t testing.TB, b []byte) *Image {
	t.Helper()
	im, err := Parse(bytesReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return im
}
