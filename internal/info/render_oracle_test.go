package info

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestSizeToStrMatchesQemu renders raw images of sizes around every unit
// boundary and rounding edge of qemu's size_to_str (qemu-img shows a raw
// file's length, rounded up to 512, as its virtual size).
func TestSizeToStrMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	sizes := []int64{0, 512, 999 * 512, 1000 * 512, 1023 * 1024, 1023*1024 + 512,
		999*1024 + 512, 1000 * 1024, 1024 * 1024, 1048064, 1270 * 1024,
		1238630, 10 * 1024 * 1024, 1000 << 20, 1023 << 20, (1 << 30) - 512,
		(1 << 30) + 512, 1536 << 20, 1073995776, 999 << 30, 1000 << 30,
		1023 << 30, 1 << 40} // ext4's 16 TiB file limit bounds the largest

	for _, n := range sizes {
		name := fmt.Sprintf("s%d.raw", n)
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(n); err != nil {
			f.Close()
			t.Fatalf("making a %d-byte sparse file: %v", n, err)
		}
		f.Close()
		compareWithQemu(t, []Entry{entryFor(t, name, "")}, name)
		os.Remove(name)
	}
}

// TestJSONEscapingMatchesQemu gives qemu-img file names with every kind of
// byte its JSON writer treats specially — quotes, backslashes, control
// characters, non-ASCII, characters beyond the BMP, noncharacters,
// surrogates, overlong and truncated sequences, stray continuation bytes —
// and compares instar's JSON for the same name.
func TestJSONEscapingMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	names := []string{
		`quote"back\slash`,
		"tab\tnl\ncr\rbs\bff\fesc\x1bdel\x7f",
		"caf\u00e9 \u20ac \u0085",
		"emoji \U0001F600 end",
		"nonchar \uFDD0 \uFFFE \U0001FFFF",
		"surrogate \xed\xa0\x80 end",
		"overlong \xc0\xaf \xe0\x80\xaf nul \xc0\x80",
		"truncated \xe2\x82 x \xf0\x9f\x98",
		"stray \x80\xbf lead \xfe\xff",
		"five \xf8\x88\x80\x80\x80 six \xfc\x84\x80\x80\x80\x80",
		"beyond \xf4\x90\x80\x80",
		"dir-like:colon",
	}
	for i, n := range names {
		// "./" keeps qemu from reading "name:" as a protocol prefix.
		name := fmt.Sprintf("./%d %s.raw", i, n)
		if err := os.WriteFile(name, make([]byte, 4096), 0o644); err != nil {
			t.Fatal(err)
		}
		e := entryFor(t, name, "")
		var got bytes.Buffer
		if err := WriteJSON(&got, []Entry{e}, false); err != nil {
			t.Fatal(err)
		}
		want := testenv.QemuImg(t, "info", "--output=json", name)
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("name %q: JSON differs\n--- instar\n%s--- qemu-img\n%s", name, got.Bytes(), want)
		}
	}
}

// TestHostileNamesMatchQemu stores backing names with control characters,
// terminal escapes and invalid UTF-8 in qcow2 and vmdk images made by
// qemu-img. JSON must equal qemu-img's byte for byte; human output must
// equal qemu-img's with each raw name replaced by its escaped form (qemu-img
// prints the raw bytes, which is the divergence instar makes on purpose).
func TestHostileNamesMatchQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	t.Chdir(t.TempDir())
	for i, tc := range []struct {
		name string
		// formats/vmdk refuses a newline or a quote inside a quoted
		// descriptor value, which qemu accepts (cutting the name at the
		// quote), so those are qcow2 only.
		vmdk bool
	}{
		{"line\nbacking file format: forged", false},
		{"esc\x1b[2Jclear\x07", true},
		{"bidi\u202eevil", true},
		{"latin1 \xe9t\xe9", true},
		{`quote" back\slash`, false},
		{`back\slash`, true},
	} {
		n := "./" + tc.name // keeps qemu from reading "name:" as a protocol prefix
		for _, format := range []string{formatQcow2, formatVMDK} {
			if format == formatVMDK && !tc.vmdk {
				continue
			}
			img := fmt.Sprintf("c%d.%s", i, format)
			if format == formatVMDK {
				// qemu-img opens a VMDK parent to read its CID.
				create(t, "-f", "vmdk", n, "1M")
				create(t, "-f", "vmdk", "-b", n, "-F", "vmdk", img)
			} else {
				create(t, "-f", "qcow2", "-u", "-b", n, "-F", "raw", img, "1M")
			}
			e := entryFor(t, img, "")
			var js, human bytes.Buffer
			if err := WriteJSON(&js, []Entry{e}, false); err != nil {
				t.Fatal(err)
			}
			if err := WriteHuman(&human, []Entry{e}); err != nil {
				t.Fatal(err)
			}
			wantJSON := testenv.QemuImg(t, "info", "--output=json", img)
			wantHuman := bytes.ReplaceAll(testenv.QemuImg(t, "info", img), []byte(n), []byte(escapeText(n)))
			if !bytes.Equal(js.Bytes(), wantJSON) {
				t.Errorf("%s backing %q: JSON differs\n--- instar\n%s--- qemu-img\n%s", format, n, js.Bytes(), wantJSON)
			}
			if !bytes.Equal(human.Bytes(), wantHuman) {
				t.Errorf("%s backing %q: human output differs\n--- instar\n%s--- qemu-img, names escaped\n%s", format, n, human.Bytes(), wantHuman)
			}
		}
	}
}
