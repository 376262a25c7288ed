package info

import (
	"bytes"
	"os"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// chainEntries walks a backing chain the way qemu-img's
// collect_image_info_list does (and the cli does on the host): each link is
// opened at the previous link's full backing filename, with the previous
// link's backing format as its format (probing when there is none).
func chainEntries(t *testing.T, path, format string) []Entry {
	t.Helper()
	var entries []Entry
	for path != "" {
		if len(entries) == 64 {
			t.Fatalf("backing chain of %s is deeper than 64", entries[0].Filename)
		}
		e := entryFor(t, path, format)
		entries = append(entries, e)
		path = FullBackingFilename(e.Filename, e.Image.BackingFilename)
		format = e.Image.BackingFormat
	}
	return entries
}

func TestBackingChainMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	for _, d := range []string{"d1/d2", "abs"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	create(t, "-f", "raw", "d1/d2/base.raw", "1M")
	create(t, "-f", "vpc", "-o", "subformat=fixed", "d1/d2/base.vhd", "4M")
	create(t, "-f", "vhdx", "d1/base.vhdx", "8M")
	create(t, "-f", "qcow2", "-b", "d2/base.raw", "-F", "raw", "d1/mid.qcow2")
	create(t, "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "d1/top.qcow2")
	create(t, "-f", "qcow2", "-b", "d2/base.vhd", "-F", "vpc", "d1/onvhd.qcow2")
	create(t, "-f", "qcow2", "-b", "base.vhdx", "-F", "vhdx", "-o", "compat=0.10", "d1/onvhdx.qcow2")
	create(t, "-f", "qcow2", "-b", wd+"/d1/top.qcow2", "-F", "qcow2", "abs/top4.qcow2")
	create(t, "-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", "d1/orphan.qcow2", "1M")
	// An old-style image that names its backing file without a format:
	// rename the backing format extension (0xe2792aca) to one qemu ignores,
	// so each link's format is probed.
	create(t, "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "d1/nofmt.qcow2")
	data, err := os.ReadFile("d1/nofmt.qcow2")
	if err != nil {
		t.Fatal(err)
	}
	ext := bytes.Index(data[:4096], []byte{0xe2, 0x79, 0x2a, 0xca})
	if ext < 0 {
		t.Fatal("no backing format extension in d1/nofmt.qcow2")
	}
	patchByte(t, "d1/nofmt.qcow2", int64(ext+3), 0xcb)
	if f := testenv.QemuInfo(t, "", "d1/nofmt.qcow2")["backing-filename-format"]; f != nil {
		t.Fatalf("qemu-img still sees backing format %v", f)
	}
	for _, tc := range []struct{ name, path string }{
		{"depth 1", "d1/d2/base.raw"},
		{"depth 2", "d1/mid.qcow2"},
		{"depth 3", "d1/top.qcow2"},
		{"fixed vhd via backing format", "d1/onvhd.qcow2"},
		{"vhdx under compat 0.10", "d1/onvhdx.qcow2"},
		{"absolute link", "abs/top4.qcow2"},
		{"backing without format", "d1/nofmt.qcow2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			compareWithQemu(t, chainEntries(t, tc.path, ""), "--backing-chain", tc.path)
		})
	}
	// Without --backing-chain a missing backing file is fine, as in qemu-img.
	compareWithQemu(t, []Entry{entryFor(t, "d1/orphan.qcow2", "")}, "d1/orphan.qcow2")
}

// TestTypedPathsMatchQemu gives qemu-img and instar the same image under
// differently typed paths: the image line and the resolved backing path
// keep the path exactly as typed.
func TestTypedPathsMatchQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll("sub", 0o755); err != nil {
		t.Fatal(err)
	}
	create(t, "-f", "qcow2", "sub/base.qcow2", "1M")
	create(t, "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "sub/c.qcow2")
	for _, p := range []string{"sub/c.qcow2", "./sub/c.qcow2", "sub/../sub/c.qcow2", "sub//c.qcow2", wd + "/sub/c.qcow2"} {
		compareWithQemu(t, []Entry{entryFor(t, p, "")}, p)
		compareWithQemu(t, chainEntries(t, p, ""), "--backing-chain", p)
	}
}
