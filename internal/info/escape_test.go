package info

import (
	"bytes"
	"strings"
	"testing"
)

func TestEscapeText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain name.qcow2", "plain name.qcow2"},
		{"café €", "café €"},
		{"a\nbacking file: forged", `a\nbacking file: forged`},
		{"tab\tcr\r", `tab\tcr\r`},
		{"esc\x1b[31mred", `esc\x1b[31mred`},
		{"del\x7f nul\x00", `del\x7f nul\x00`},
		{"c1 \u0085 \u009b", `c1 \u0085 \u009b`},
		{"bidi \u202e reversed", `bidi \u202e reversed`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
		{"tag \U000E0041", `tag \U000e0041`},
	} {
		if got := escapeText(tc.in); got != tc.want {
			t.Errorf("escapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestHumanEscapesImageBytes checks that a backing name crafted to forge
// output lines or terminal sequences cannot reach the terminal raw, in
// every place human output prints image text.
func TestHumanEscapesImageBytes(t *testing.T) {
	evil := "x\nfile format: raw\x1b]0;pwned\x07"
	e := Entry{Filename: "img\n.qcow2", ActualSize: 0, Image: &Image{
		Format: formatVMDK, VirtualSize: 512, HasDirtyFlag: true,
		BackingFilename: evil, BackingFormat: "vmdk\r",
		VMDK: &VMDKSpecific{CreateType: evil, Extents: []VMDKExtent{{Filename: evil, Format: "FLAT\x00", Flat: true}}},
	}}
	var b bytes.Buffer
	if err := WriteHuman(&b, []Entry{e}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\x00", "\nfile format: raw\x1b"} {
		if strings.Contains(out, bad) {
			t.Errorf("human output contains %q:\n%s", bad, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 15 {
		t.Errorf("human output has %d lines, want 15 (a forged line got through?):\n%s", n, out)
	}
	if !strings.Contains(out, "\nbacking file: x\\nfile format: raw\\x1b]0;pwned\\x07\n") {
		t.Errorf("backing line not escaped as expected:\n%s", out)
	}
}
