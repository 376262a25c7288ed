package create

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// qemuResult is what one qemu-img create run did.
type qemuResult struct {
	ok         bool   // exit status 0
	formatting string // its Formatting line, "" if none
	stdout     string
	stderr     string
}

// runQemuCreate runs `qemu-img create ARGS` in dir.
func runQemuCreate(t *testing.T, dir string, args ...string) qemuResult {
	t.Helper()
	cmd := exec.Command(testenv.RequireQemuImg(t), append([]string{"create"}, args...)...)
	cmd.Dir = dir
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := qemuResult{ok: err == nil, stdout: out.String(), stderr: errb.String()}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "Formatting '") {
			r.formatting = line
		}
	}
	return r
}

// formattingSize extracts size=N from a Formatting line.
var formattingSizeRE = regexp.MustCompile(` size=(-?[0-9]+)`)

func formattingSize(t *testing.T, line string) int64 {
	t.Helper()
	m := formattingSizeRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no size in %q", line)
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		t.Fatalf("size in %q: %v", line, err)
	}
	return v
}

// makeParents creates backing files of every format in dir with qemu-img.
func makeParents(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"-f", "raw", "base.raw", "1M"},
		{"-f", "qcow2", "base.qcow2", "2M"},
		{"-f", "vmdk", "base.vmdk", "3M"},
		{"-f", "vpc", "base.vhd", "4M"},
		{"-f", "vpc", "-o", "subformat=fixed", "fixed.vhd", "5M"},
		{"-f", "vhdx", "base.vhdx", "6M"},
	} {
		n := len(args)
		args = append(append([]string(nil), args[:n-2]...), filepath.Join(dir, args[n-2]), args[n-1])
		testenv.QemuImg(t, append([]string{"create", "-q"}, args...)...)
	}
}

// openBacking opens dir/name for a Create call, as the cli does.
func openBacking(t *testing.T, dir, name string) (*osFile, int64) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, 0
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return f, st.Size()
}

// removeAll removes a file a qemu-img run may have left.
func removeAll(t *testing.T, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}

// osFile is *os.File, named so tests can pass a nil file as a nil
// io.ReaderAt without the typed-nil trap.
type osFile = os.File

// allocated returns the bytes a file occupies on disk.
func allocated(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Blocks * 512
}
