package info

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// hostileInputs are crafted files of every format: truncated headers,
// magic followed by garbage, fields pointing outside the file, absurd
// counts and sizes.
func hostileInputs() map[string][]byte {
	be32 := func(b []byte, off int, v uint32) { binary.BigEndian.PutUint32(b[off:], v) }
	be64 := func(b []byte, off int, v uint64) { binary.BigEndian.PutUint64(b[off:], v) }
	pad := func(prefix string, n int) []byte {
		b := make([]byte, n)
		copy(b, prefix)
		return b
	}
	in := map[string][]byte{
		"empty":            {},
		"one byte":         {0},
		"qcow2 magic only": []byte("QFI\xfb"),
		"vpc cookie only":  []byte("conectix"),
		"vhdx magic only":  []byte("vhdxfile"),
		"vmdk magic only":  []byte("KDMV"),
		"vhdx garbage":     pad("vhdxfile", 64<<10),
		"vpc garbage":      pad("conectix", 1024),
		"vmdk garbage":     pad("KDMV", 4096),
		"vmdk descriptor": []byte("# Disk DescriptorFile\nversion=1\nCID=ffffffff\nparentCID=ffffffff\n" +
			"createType=\"monolithicFlat\"\nRW 99999999999999999999 FLAT \"x\" 0\n"),
		"vmdk descriptor no extents": []byte("version=1\ncreateType=\"monolithicFlat\"\n"),
	}
	// qcow2 v3 header with a backing name far past the end of the file.
	q := pad("QFI\xfb", 512)
	be32(q, 4, 3)
	be64(q, 8, 1<<40) // backing file offset
	be32(q, 16, 1023) // backing file size
	be32(q, 20, 16)   // cluster bits
	be64(q, 24, 1<<30)
	be32(q, 100, 104) // header length
	in["qcow2 backing outside file"] = q
	// qcow2 with an absurd cluster size and header length.
	q2 := bytes.Clone(q)
	be64(q2, 8, 0)
	be32(q2, 16, 0)
	be32(q2, 20, 63)
	be32(q2, 100, 0xffffffff)
	in["qcow2 absurd fields"] = q2
	// qcow2 version 2 whose size overflows int64.
	q3 := pad("QFI\xfb", 512)
	be32(q3, 4, 2)
	be32(q3, 20, 16)
	be64(q3, 24, ^uint64(0))
	in["qcow2 size overflow"] = q3
	// A header cut short: qemu probes a zero-padded 2 KiB buffer, so it is
	// still qcow2 (and then fails to open).
	in["qcow2 header cut at 100 bytes"] = bytes.Clone(q[:100])
	in["qcow2 v2 header cut at 72 bytes"] = bytes.Clone(q3[:72])
	// Signatures of formats qemu-img probes and instar refuses.
	in["luks header"] = pad("LUKS\xba\xbe\x00\x01", 1024)
	in["qcow v1 header"] = func() []byte { b := pad("QFI\xfb", 512); be32(b, 4, 1); return b }()
	in["qed header"] = pad("QED\x00", 512)
	// Text that is almost a VMDK descriptor.
	in["vmdk descriptor without newline"] = []byte("# Disk DescriptorFile\nversion=1")
	in["vmdk descriptor after blank line"] = []byte("\nversion=1\ncreateType=\"monolithicFlat\"\n")
	return in
}

// TestHostileInspectAgreesWithQemu feeds every crafted file to Inspect,
// probing and with each format forced, and checks that it fails cleanly
// exactly where qemu-img info fails (and that what succeeds validates and
// renders).
func TestHostileInspectAgreesWithQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	for name, data := range hostileInputs() {
		if err := os.WriteFile("f", data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"", formatRaw, "qcow2", "vmdk", "vpc", "vhdx"} {
			if _, ok := parserFor(format); format != "" && !ok {
				continue // not integrated yet
			}
			im, err := Inspect(bytes.NewReader(data), int64(len(data)), format)
			if err == nil {
				// The host, like qemu-img, fails when an extent is missing.
				for _, x := range im.ExtentFiles("f") {
					if _, serr := os.Stat(x.Path); serr != nil {
						err = serr
					}
				}
			}
			args := []string{"info", "--output=json"}
			if format != "" {
				args = append(args, "-f", format)
			}
			_, qerr, qfail := testenv.RunErr(testenv.RequireQemuImg(t), append(args, "f")...)
			switch {
			case err != nil && qfail == nil:
				t.Errorf("%s, format %q: instar fails (%v), qemu-img succeeds", name, format, err)
			case err == nil && qfail != nil:
				t.Errorf("%s, format %q: instar succeeds (%+v), qemu-img fails: %s", name, format, im, qerr)
			case err == nil:
				if verr := im.Validate(); verr != nil {
					t.Errorf("%s, format %q: Inspect result does not validate: %v", name, format, verr)
				}
				compareWithQemu(t, []Entry{entryFor(t, "f", format)}, append(args[2:], "f")...)
			}
		}
	}
}

func TestInspectUnknownFormat(t *testing.T) {
	for _, f := range []string{"qcow", "qed", "RAW", "vhd", "file"} {
		if _, err := Inspect(bytes.NewReader(nil), 0, f); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Inspect(format %q) = %v, want ErrUnknownFormat", f, err)
		}
	}
	if _, err := Inspect(bytes.NewReader(nil), -1, ""); err == nil {
		t.Error("Inspect with a negative size succeeded")
	}
}

// TestInspectRefusesOtherQemuFormats checks that files qemu-img would open
// as a format instar does not parse are refused rather than called raw,
// using images qemu-img makes.
func TestInspectRefusesOtherQemuFormats(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	for _, format := range []string{"qcow", "qed", "vdi", "parallels"} {
		name := "x." + format
		create(t, "-f", format, name, "1M")
		// qemu-img probes it as that format, not raw.
		if got := testenv.QemuInfo(t, "", name)["format"]; got != format {
			t.Fatalf("qemu-img probes %s as %v", name, got)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Inspect(bytes.NewReader(data), int64(len(data)), ""); !errors.Is(err, ErrUnsupportedFormat) {
			t.Errorf("Inspect(%s) = %v, want ErrUnsupportedFormat", name, err)
		}
	}
}

// TestForcedFormatsAgreeWithQemu opens real images of every format with
// every format forced (qcow2 read as vpc, a VHD read as raw, …): instar
// must fail exactly where qemu-img info fails, and print the same output
// where it succeeds.
func TestForcedFormatsAgreeWithQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	images := map[string][]string{
		"q.qcow2":   {"-f", "qcow2"},
		"m.vmdk":    {"-f", "vmdk"},
		"f.vmdk":    {"-f", "vmdk", "-o", "subformat=monolithicFlat"},
		"d.vhd":     {"-f", "vpc"},
		"fixed.vhd": {"-f", "vpc", "-o", "subformat=fixed"},
		"x.vhdx":    {"-f", "vhdx"},
		"r.raw":     {"-f", "raw"},
	}
	for name, args := range images {
		create(t, append(append(args, name), "4M")...)
	}
	for name := range images {
		for _, format := range []string{formatRaw, formatQcow2, formatVMDK, "vpc", "vhdx"} {
			im, err := inspectFile(name, format)
			_, qerr, qfail := testenv.RunErr(testenv.RequireQemuImg(t), "info", "-f", format, name)
			switch {
			case err != nil && qfail == nil:
				t.Errorf("%s as %s: instar fails (%v), qemu-img succeeds", name, format, err)
			case err == nil && qfail != nil:
				t.Errorf("%s as %s: instar succeeds (%+v), qemu-img fails: %s", name, format, im, qerr)
			case err == nil:
				compareWithQemu(t, []Entry{entryFor(t, name, format)}, "-f", format, name)
			}
		}
	}
}
