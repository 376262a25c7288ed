package vmdk

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// longPath spells ./base.vmdk in exactly n bytes ("./" repeated, with the
// first separator doubled or tripled to hit n).
func longPath(n int) string {
	const tail = "base.vmdk"
	k := n - len(tail)
	lead := "."
	for (k-len(lead))%2 != 0 || len(lead) < 3 {
		lead += "/"
	}
	return lead + strings.Repeat("./", (k-len(lead))/2) + tail
}

// TestBackingFileLen checks MaxBackingFileLen against qemu-img: a backing
// path of that length is recorded intact (and the plan equals qemu's
// image); one byte longer, qemu-img truncates the hint and writes an image
// it cannot open, and PlanImage refuses.
func TestBackingFileLen(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	dir := t.TempDir()
	qemuCreate(t, dir, "base.vmdk", "1M")
	parentCID := parseFile(t, filepath.Join(dir, "base.vmdk")).Info().CID
	create := func(name, backing string) {
		t.Helper()
		cmd := exec.Command(qemu, "create", "-q", "-f", "vmdk", "-b", backing, "-F", "vmdk", name)
		cmd.Dir = dir // relative names keep qemu's joined path under PATH_MAX
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("qemu-img create: %v\n%s", err, out)
		}
	}

	ok := longPath(MaxBackingFileLen)
	if len(ok) != MaxBackingFileLen {
		t.Fatalf("longPath made %d bytes", len(ok))
	}
	create("fits.vmdk", ok)
	q := filepath.Join(dir, "fits.vmdk")
	info := parseFile(t, q).Info()
	if info.BackingFilename != ok {
		t.Fatalf("qemu-img did not record the %d-byte path intact", len(ok))
	}
	p, err := PlanImage(Options{Size: 1 << 20, FileName: "fits.vmdk", BackingFile: ok, ParentCID: &parentCID, CID: &info.CID})
	if err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(t.TempDir(), "fits.vmdk")
	writePlan(t, p, mine)
	testenv.SameFile(t, q, mine)

	over := longPath(MaxBackingFileLen + 1)
	create("over.vmdk", over)
	if _, _, err := testenv.RunErr(qemu, "info", filepath.Join(dir, "over.vmdk")); err == nil {
		t.Error("qemu-img opens its image with a one-byte-longer backing path; the limit is wrong")
	}
	if _, err := PlanImage(Options{Size: 1 << 20, FileName: "x.vmdk", BackingFile: over}); !errors.Is(err, ErrPathNotRepresentable) {
		t.Errorf("PlanImage: %v, want ErrPathNotRepresentable", err)
	}
}
