package info

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// entryFor does what the cli does for one link: open the file, Inspect it,
// carry the Image across a JSON round trip (the sandbox boundary), Validate
// it, complete sparse VMDK extents stored in other files the same way, and
// add the host facts.
func entryFor(t *testing.T, path, format string) Entry {
	t.Helper()
	got, err := inspectFile(path, format)
	if err != nil {
		t.Fatalf("Inspect(%s, %q): %v", path, format, err)
	}
	if err := got.CompleteExtents(path, func(x ExtentFile) (*Image, error) { return inspectFile(x.Path, FormatSparseExtent) }); err != nil {
		t.Fatalf("CompleteExtents(%s): %v", path, err)
	}
	actual := allocated(t, path)
	for _, x := range got.ExtentFiles(path) {
		actual += allocated(t, x.Path)
	}
	return Entry{Filename: path, ActualSize: actual, Image: got}
}

// inspectFile is one guest run: Inspect on an opened file, then the JSON
// round trip and Validate the host does.
func inspectFile(path, format string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	im, err := Inspect(f, st.Size(), format)
	if err != nil {
		return nil, err
	}
	wire, err := json.Marshal(im)
	if err != nil {
		return nil, err
	}
	var got Image
	if err := json.Unmarshal(wire, &got); err != nil {
		return nil, err
	}
	if err := got.Validate(); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, wire)
	}
	return &got, nil
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

func TestQcow2MatchesQemu(t *testing.T) {
	runFormatCases(t, []formatCase{
		{"default", []string{"-f", "qcow2", "q.qcow2", "1G"}, "q.qcow2", ""},
		{"forced", []string{"-f", "qcow2", "qf.qcow2", "10M"}, "qf.qcow2", "qcow2"},
		{"compat=0.10", []string{"-f", "qcow2", "-o", "compat=0.10", "v2.qcow2", "10M"}, "v2.qcow2", ""},
		{"compat=0.10 refcount_bits", []string{"-f", "qcow2", "-o", "compat=0.10,cluster_size=4k", "v2b.qcow2", "100M"}, "v2b.qcow2", ""},
		{"cluster_size=512", []string{"-f", "qcow2", "-o", "cluster_size=512", "c512.qcow2", "1M"}, "c512.qcow2", ""},
		{"cluster_size=2M", []string{"-f", "qcow2", "-o", "cluster_size=2M", "c2m.qcow2", "1T"}, "c2m.qcow2", ""},
		{"extended_l2", []string{"-f", "qcow2", "-o", "extended_l2=on,cluster_size=128k", "el2.qcow2", "1G"}, "el2.qcow2", ""},
		{"lazy_refcounts", []string{"-f", "qcow2", "-o", "lazy_refcounts=on", "lazy.qcow2", "1G"}, "lazy.qcow2", ""},
		{"refcount_bits=1", []string{"-f", "qcow2", "-o", "refcount_bits=1", "r1.qcow2", "1G"}, "r1.qcow2", ""},
		{"refcount_bits=64", []string{"-f", "qcow2", "-o", "refcount_bits=64", "r64.qcow2", "1G"}, "r64.qcow2", ""},
		{"zstd", []string{"-f", "qcow2", "-o", "compression_type=zstd", "z.qcow2", "1G"}, "z.qcow2", ""},
		{"preallocation=metadata", []string{"-f", "qcow2", "-o", "preallocation=metadata", "pm.qcow2", "64M"}, "pm.qcow2", ""},
		{"preallocation=falloc", []string{"-f", "qcow2", "-o", "preallocation=falloc", "pf.qcow2", "8M"}, "pf.qcow2", ""},
		{"data_file", []string{"-f", "qcow2", "-o", "data_file=q.data", "df.qcow2", "1M"}, "df.qcow2", ""},
		{"data_file_raw", []string{"-f", "qcow2", "-o", "data_file=qr.data,data_file_raw=on", "dfr.qcow2", "1M"}, "dfr.qcow2", ""},
		{"backing", []string{"-f", "qcow2", "-b", "q.qcow2", "-F", "qcow2", "child.qcow2"}, "child.qcow2", ""},
		{"backing raw in dir", []string{"-f", "qcow2", "-u", "-b", "sub/base.raw", "-F", "raw", "craw.qcow2", "1M"}, "craw.qcow2", ""},
		{"backing absolute", []string{"-f", "qcow2", "-u", "-b", "/nonexistent/base.qcow2", "-F", "qcow2", "cabs.qcow2", "1M"}, "cabs.qcow2", ""},
		{"backing protocol-like", []string{"-f", "qcow2", "-u", "-b", "nbd:host:10809", "-F", "raw", "cnbd.qcow2", "1M"}, "cnbd.qcow2", ""},
		{"backing non-ASCII", []string{"-f", "qcow2", "-u", "-b", "b\u00e4se \U0001F600.qcow2", "-F", "qcow2", "cu.qcow2", "1M"}, "cu.qcow2", ""},
		{"missing backing", []string{"-f", "qcow2", "-u", "-b", "gone.qcow2", "-F", "qcow2", "orphan.qcow2", "1M"}, "orphan.qcow2", ""},
		{"huge", []string{"-f", "qcow2", "-o", "cluster_size=2M", "huge.qcow2", "1000P"}, "huge.qcow2", ""},
		{"odd size", []string{"-f", "qcow2", "odd.qcow2", "1000"}, "odd.qcow2", ""},
	})
}

// TestQcow2UnsupportedFeaturesRefused checks that a qcow2 image whose
// qemu-img info shows what instar cannot read yet is refused, not shown
// incompletely: internal snapshots, persistent bitmaps, encryption. The
// same image
// without the feature is shown exactly.
func TestQcow2UnsupportedFeaturesRefused(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	create(t, "-f", "qcow2", "snap.qcow2", "1M")
	compareWithQemu(t, []Entry{entryFor(t, "snap.qcow2", "")}, "snap.qcow2")
	testenv.QemuImg(t, "snapshot", "-c", "s1", "snap.qcow2")
	if _, err := inspectFile("snap.qcow2", ""); !errors.Is(err, ErrUnsupportedFeature) {
		t.Errorf("Inspect(image with a snapshot) = %v, want ErrUnsupportedFeature", err)
	}
	create(t, "-f", "qcow2", "bm.qcow2", "1M")
	testenv.QemuImg(t, "bitmap", "--add", "bm.qcow2", "b0")
	if _, err := inspectFile("bm.qcow2", ""); !errors.Is(err, ErrUnsupportedFeature) {
		t.Errorf("Inspect(image with a bitmap) = %v, want ErrUnsupportedFeature", err)
	}
	// Once the bitmap is removed qemu-img shows no list, and instar
	// describes the image again.
	testenv.QemuImg(t, "bitmap", "--remove", "bm.qcow2", "b0")
	compareWithQemu(t, []Entry{entryFor(t, "bm.qcow2", "")}, "bm.qcow2")

	// crypt_method (header offset 32) = 1, AES: qemu-img shows
	// "encrypted: yes" and an encrypt block. (LUKS images take seconds to
	// make; the refusal does not depend on the method.)
	create(t, "-f", "qcow2", "enc.qcow2", "1M")
	patchByte(t, "enc.qcow2", 35, 1)
	if got := testenv.QemuInfo(t, "", "enc.qcow2")["encrypted"]; got != true {
		t.Fatalf("qemu-img does not see the patched image as encrypted: %v", got)
	}
	if _, err := inspectFile("enc.qcow2", ""); !errors.Is(err, ErrUnsupportedFeature) {
		t.Errorf("Inspect(encrypted image) = %v, want ErrUnsupportedFeature", err)
	}
}

// TestQcow2FeatureBitsMatchQemu sets the dirty and corrupt bits of the
// incompatible features field (qcow2 header offset 72) of a qemu-made image
// and compares the rendering: qemu-img prints "cleanly shut down: no" and
// "corrupt: true" for them. It also gives a header an odd virtual size.
func TestQcow2FeatureBitsMatchQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	const incompatibleLowByte = 72 + 7
	for _, bits := range []byte{1, 2, 3} {
		name := fmt.Sprintf("bits%d.qcow2", bits)
		create(t, "-f", "qcow2", "-o", "lazy_refcounts=on", name, "1M")
		patchByte(t, name, incompatibleLowByte, bits)
		compareWithQemu(t, []Entry{entryFor(t, name, "")}, name)
	}
	// A header size that is not a whole number of sectors (offset 24,
	// big-endian): qemu drops the partial sector.
	create(t, "-f", "qcow2", "odd.qcow2", "1M")
	for i, b := range []byte{0, 0, 0, 0, 0, 0, 0x03, 0xe8} { // 1000 bytes
		patchByte(t, "odd.qcow2", 24+int64(i), b)
	}
	compareWithQemu(t, []Entry{entryFor(t, "odd.qcow2", "")}, "odd.qcow2")

	// A NUL inside the stored backing name ends it, as for qemu's C
	// strings; at the start it leaves no backing file at all.
	for i, at := range []int{3, 0} {
		name := fmt.Sprintf("nul%d.qcow2", i)
		create(t, "-f", "qcow2", "-u", "-b", "abcdef", "-F", "raw", name, "1M")
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		off := bytes.Index(data[:4096], []byte("abcdef"))
		if off < 0 {
			t.Fatalf("no backing name in %s", name)
		}
		patchByte(t, name, int64(off+at), 0)
		compareWithQemu(t, []Entry{entryFor(t, name, "")}, name)
	}
}

func TestVMDKMatchesQemu(t *testing.T) {
	runFormatCases(t, []formatCase{
		{"monolithicSparse", []string{"-f", "vmdk", "m.vmdk", "1G"}, "m.vmdk", ""},
		{"twoGbMaxExtentSparse", []string{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "ts.vmdk", "5G"}, "ts.vmdk", ""},
		{"monolithicSparse-f", []string{"-f", "vmdk", "m2.vmdk", "10M"}, "m2.vmdk", "vmdk"},
		{"streamOptimized", []string{"-f", "vmdk", "-o", "subformat=streamOptimized", "s.vmdk", "1G"}, "s.vmdk", ""},
		{"monolithicFlat", []string{"-f", "vmdk", "-o", "subformat=monolithicFlat", "f.vmdk", "10M"}, "f.vmdk", ""},
		{"twoGbMaxExtentFlat", []string{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat", "tf.vmdk", "5G"}, "tf.vmdk", ""},
		{"adapter and hwversion", []string{"-f", "vmdk", "-o", "adapter_type=lsilogic,hwversion=6,zeroed_grain=on", "a.vmdk", "100M"}, "a.vmdk", ""},
		{"backing", []string{"-f", "vmdk", "-b", "m.vmdk", "-F", "vmdk", "child.vmdk"}, "child.vmdk", ""},
	})
	// qemu-img cannot create a VMDK child of a missing parent; remove the
	// parent afterwards. Plain info still succeeds.
	create(t, "-f", "vmdk", "gone.vmdk", "1M")
	create(t, "-f", "vmdk", "-b", "gone.vmdk", "-F", "vmdk", "orphan.vmdk")
	if err := os.Remove("gone.vmdk"); err != nil {
		t.Fatal(err)
	}
	compareWithQemu(t, []Entry{entryFor(t, "orphan.vmdk", "")}, "orphan.vmdk")

	// Rendering before CompleteExtents is refused, not wrong.
	im, err := inspectFile("ts.vmdk", "")
	if err != nil {
		t.Fatal(err)
	}
	err = WriteJSON(io.Discard, []Entry{{Filename: "ts.vmdk", Image: im}}, false)
	if !errors.Is(err, ErrIncomplete) {
		t.Errorf("WriteJSON before CompleteExtents = %v, want ErrIncomplete", err)
	}

	// Hand-written descriptors mixing a flat extent or a compressed
	// extent file with sparse extent files: qemu-img 7.2 lists an extent
	// of those twice (and counts it twice); instar refuses rather than
	// imitate.
	create(t, "-f", "vmdk", "-o", "subformat=monolithicFlat", "fl.vmdk", "1M")
	create(t, "-f", "vmdk", "-o", "subformat=streamOptimized", "so.vmdk", "1M")
	head := "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType=\"twoGbMaxExtentSparse\"\n\n"
	for name, extents := range map[string]string{
		"mixed-flat.vmdk":       "RW 2048 FLAT \"fl-flat.vmdk\" 0\nRW 2048 SPARSE \"ts-s001.vmdk\"\n",
		"mixed-compressed.vmdk": "RW 2048 SPARSE \"ts-s001.vmdk\"\nRW 2048 SPARSE \"so.vmdk\"\n",
	} {
		if err := os.WriteFile(name, []byte(head+extents), 0o644); err != nil {
			t.Fatal(err)
		}
		if q := testenv.QemuInfo(t, "", name)["format-specific"].(map[string]any)["data"].(map[string]any)["extents"].([]any); len(q) != 3 {
			t.Fatalf("qemu-img lists %d extents of %s; the quirk this guards against is gone", len(q), name)
		}
		im, err := inspectFile(name, "")
		if err != nil {
			t.Fatal(err)
		}
		err = im.CompleteExtents(name, func(x ExtentFile) (*Image, error) { return inspectFile(x.Path, FormatSparseExtent) })
		if !errors.Is(err, ErrUnsupportedFeature) {
			t.Errorf("CompleteExtents(%s) = %v, want ErrUnsupportedFeature", name, err)
		}
	}
}

// patchByte overwrites one byte of a file.
func patchByte(t *testing.T, path string, off int64, b byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt([]byte{b}, off)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}
