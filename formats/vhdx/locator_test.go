package vhdx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestParentLocatorHostile corrupts the parent locator of a planned child.
func TestParentLocatorHostile(t *testing.T) {
	g := mustGUID("27618972-0b56-3e47-8b0a-915d7783c6e3")
	base := planBytes(t, Options{Size: 16 << 20, Parent: &Parent{DataWriteGUID: g, RelativePath: "p.vhdx", AbsoluteWin32Path: `d:\p.vhdx`}})
	if img, err := Parse(bytes.NewReader(base), int64(len(base))); err != nil || !img.Parent.IsVHDX() {
		t.Fatalf("base child: %v", err)
	}
	const loc = baseMeta + metadataTableSize + 40 // after the five fixed items
	entry := func(i int) int { return loc + plHeaderSize + i*plEntrySize }
	le16 := binary.LittleEndian.PutUint16
	le32 := binary.LittleEndian.PutUint32
	// The first value (parent_linkage's) starts at this offset in the item.
	valOff := int(binary.LittleEndian.Uint32(base[entry(0)+pleValOffsetOff:]))
	cases := []struct {
		name   string
		mutate func(b []byte)
		field  string
	}{
		{"count beyond the item", func(b []byte) { le16(b[loc+plKeyValueCntOff:], 60000) }, "key/value count"},
		{"key offset 0", func(b []byte) { le32(b[entry(1)+pleKeyOffsetOff:], 0) }, "entry 1 key"},
		{"value length 0", func(b []byte) { le16(b[entry(1)+pleValLengthOff:], 0) }, "entry 1 value"},
		{"odd length", func(b []byte) { le16(b[entry(2)+pleKeyLengthOff:], 3) }, "entry 2 key"},
		{"value beyond the item", func(b []byte) { le32(b[entry(2)+pleValOffsetOff:], 1<<32-2) }, "entry 2 value"},
		{"NUL in a value", func(b []byte) { le16(b[loc+valOff:], 0) }, "entry 0 value"},
		{"unpaired surrogate", func(b []byte) { le16(b[loc+valOff+2:], 0xdc00) }, "entry 0 value"},
		{"high surrogate at the end", func(b []byte) {
			n := int(binary.LittleEndian.Uint16(b[entry(0)+pleValLengthOff:]))
			le16(b[loc+valOff+n-2:], 0xd800)
		}, "entry 0 value"},
		{"duplicate key", func(b []byte) {
			copy(b[entry(2):entry(2)+4], b[entry(1):entry(1)+4])
			copy(b[entry(2)+8:entry(2)+10], b[entry(1)+8:entry(1)+10])
		}, "entry 2 key"},
		{"no parent_linkage", func(b []byte) { le16(b[loc+valOff-2*len(KeyParentLinkage):], 'P') }, "parent locator"},
		{"item shorter than its header", func(b []byte) { le32(b[metaEntry(5)+mteLengthOff:], 10) }, "metadata table entry 5 length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(base)
			c.mutate(b)
			_, err := Parse(bytes.NewReader(b), int64(len(b)))
			var fe *FormatError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &fe) || !strings.Contains(fe.Field, c.field) {
				t.Fatalf("Parse: %v; want ErrCorrupt in %q", err, c.field)
			}
			t.Log(err)
		})
	}
	// A valid surrogate pair is fine and decodes to one character.
	b := bytes.Clone(base)
	le16(b[loc+valOff:], 0xd83d)
	le16(b[loc+valOff+2:], 0xde00)
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := img.Parent.Lookup(KeyParentLinkage); !strings.HasPrefix(v, "\U0001F600") {
		t.Errorf("parent_linkage %q", v)
	}
	if _, err := img.Parent.ParentLinkage(); err == nil {
		t.Error("a linkage that is not a GUID parsed")
	}
}

// errReader fails every read, as a broken disk would.
type errReader struct{}

func (errReader) ReadAt(p []byte, off int64) (int, error) { return 0, io.ErrClosedPipe }

func TestParseReaderError(t *testing.T) {
	_, err := Parse(errReader{}, 8<<20)
	var fe *FormatError
	if !errors.Is(err, io.ErrClosedPipe) || errors.As(err, &fe) {
		t.Fatalf("Parse over a failing reader: %v (want the reader's error, not a FormatError)", err)
	}
	// A reader shorter than the size it claims.
	b := planBytes(t, Options{Size: 16 << 20})
	_, err = Parse(bytes.NewReader(b[:2*mib]), int64(len(b)))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Parse over a short reader: %v", err)
	}
}

// TestInfoJSON: Info marshals with readable GUIDs and enum names.
func TestInfoJSON(t *testing.T) {
	b := planBytes(t, Options{Size: 16 << 20, Subformat: SubformatFixed})
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(img.Info())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"DiskType":"fixed"`, `"DataWriteGUID":"66666666-7777-8888-9999-aaaaaaaaaaaa"`, `"ClusterSize":8388608`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s lacks %s", out, want)
		}
	}
	var g GUID
	if err := json.Unmarshal([]byte(`"{66666666-7777-8888-9999-AAAAAAAAAAAA}"`), &g); err != nil || g != img.Header.DataWriteGUID {
		t.Errorf("UnmarshalText: %v, %v", g, err)
	}
	if err := json.Unmarshal([]byte(`"nope"`), &g); err == nil {
		t.Error("UnmarshalText accepted a non-GUID")
	}
	if s, _ := json.Marshal(BATEntry{State: BlockZero}); !strings.Contains(string(s), `"zero"`) {
		t.Errorf("BATEntry JSON %s", s)
	}
	if s, _ := json.Marshal(SubformatFixed); string(s) != `"fixed"` {
		t.Errorf("Subformat JSON %s", s)
	}
}
