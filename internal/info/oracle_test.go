package info

import (
	"bytes"
	"encoding/json"
	"os"
	"syscall"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// entryFor does what the cli does for one link: open the file, Inspect it,
// carry the Image across a JSON round trip (the sandbox boundary), Validate
// it, and add the host facts.
func entryFor(t *testing.T, path, format string) Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	im, err := Inspect(f, st.Size(), format)
	if err != nil {
		t.Fatalf("Inspect(%s, %q): %v", path, format, err)
	}
	wire, err := json.Marshal(im)
	if err != nil {
		t.Fatal(err)
	}
	var got Image
	if err := json.Unmarshal(wire, &got); err != nil {
		t.Fatal(err)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("Validate(%s): %v\n%s", path, err, wire)
	}
	actual := allocated(t, path)
	for _, x := range got.ExtentFiles(path) {
		actual += allocated(t, x)
	}
	return Entry{Filename: path, ActualSize: actual, Image: &got}
}

// allocated is the host allocation of a file, as qemu's file driver
// reports it (st_blocks × 512).
func allocated(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}

// compareWithQemu renders entries both ways and compares them with
// qemu-img info's output for the same arguments, byte for byte.
func compareWithQemu(t *testing.T, entries []Entry, args ...string) {
	t.Helper()
	chain := false
	for _, a := range args {
		if a == "--backing-chain" {
			chain = true
		}
	}
	var human, js bytes.Buffer
	if err := WriteHuman(&human, entries); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, entries, chain); err != nil {
		t.Fatal(err)
	}
	wantHuman := testenv.QemuImg(t, append([]string{"info"}, args...)...)
	wantJSON := testenv.QemuImg(t, append([]string{"info", "--output=json"}, args...)...)
	if !bytes.Equal(human.Bytes(), wantHuman) {
		t.Errorf("qemu-img info %v: human output differs\n--- instar\n%s--- qemu-img\n%s", args, human.Bytes(), wantHuman)
	}
	if !bytes.Equal(js.Bytes(), wantJSON) {
		t.Errorf("qemu-img info --output=json %v: JSON differs\n--- instar\n%s--- qemu-img\n%s", args, js.Bytes(), wantJSON)
	}
}

// create runs qemu-img create with args in the current directory.
func create(t *testing.T, args ...string) {
	t.Helper()
	testenv.QemuImg(t, append([]string{"create", "-q"}, args...)...)
}

func TestRawMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	create(t, "-f", "raw", "r.raw", "1G")
	compareWithQemu(t, []Entry{entryFor(t, "r.raw", "")}, "r.raw")
	compareWithQemu(t, []Entry{entryFor(t, "r.raw", "raw")}, "-f", "raw", "r.raw")
	if err := os.WriteFile("odd.raw", bytes.Repeat([]byte{1}, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	compareWithQemu(t, []Entry{entryFor(t, "odd.raw", "")}, "odd.raw")
	if err := os.WriteFile("empty", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	compareWithQemu(t, []Entry{entryFor(t, "empty", "")}, "empty")
}

// formatCase is one image qemu-img makes and how to inspect it.
type formatCase struct {
	name   string
	create []string // qemu-img create arguments after -q
	file   string
	format string // -f for info, "" to probe
}

// runFormatCases creates each image in a fresh directory and compares
// instar's rendering with qemu-img info's.
func runFormatCases(t *testing.T, cases []formatCase) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			create(t, tc.create...)
			args := []string{tc.file}
			if tc.format != "" {
				args = []string{"-f", tc.format, tc.file}
			}
			compareWithQemu(t, []Entry{entryFor(t, tc.file, tc.format)}, args...)
		})
	}
}

func TestVPCMatchesQemu(t *testing.T) {
	runFormatCases(t, []formatCase{
		{"dynamic", []string{"-f", "vpc", "d.vhd", "1G"}, "d.vhd", ""},
		{"dynamic-f", []string{"-f", "vpc", "d2.vhd", "100M"}, "d2.vhd", "vpc"},
		{"force_size", []string{"-f", "vpc", "-o", "force_size=on", "fs.vhd", "1G"}, "fs.vhd", ""},
		{"fixed-probes-raw", []string{"-f", "vpc", "-o", "subformat=fixed", "f.vhd", "10M"}, "f.vhd", ""},
		{"fixed-f", []string{"-f", "vpc", "-o", "subformat=fixed", "f2.vhd", "10M"}, "f2.vhd", "vpc"},
		{"large", []string{"-f", "vpc", "big.vhd", "2000G"}, "big.vhd", ""},
	})
}

func TestVHDXMatchesQemu(t *testing.T) {
	runFormatCases(t, []formatCase{
		{"1G", []string{"-f", "vhdx", "x.vhdx", "1G"}, "x.vhdx", ""},
		{"small-f", []string{"-f", "vhdx", "s.vhdx", "10M"}, "s.vhdx", "vhdx"},
		{"block_size", []string{"-f", "vhdx", "-o", "block_size=1M,log_size=4M", "b.vhdx", "3G"}, "b.vhdx", ""},
		{"fixed", []string{"-f", "vhdx", "-o", "subformat=fixed", "f.vhdx", "8M"}, "f.vhdx", ""},
		{"100G", []string{"-f", "vhdx", "h.vhdx", "100G"}, "h.vhdx", ""},
	})
}
