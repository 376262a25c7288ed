package abi

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/info"
)

// worstByte is the byte whose JSON encoding is longest: encoding/json
// writes a control character as \u00XX, six bytes for one (so do <, > and
// &). TestWorstByte checks that nothing costs more.
const worstByte = "\x01"

// worst is a string of n bytes that encodes as long as any string of n
// bytes Validate would accept in that field.
func worst(n int) string { return strings.Repeat(worstByte, n) }

// largestInfoResult is the largest successful info result Result.Validate
// accepts: a VMDK (the only format with a list) with the most extents,
// every name at its longest in the costliest bytes, every number at its
// widest, every flag set, and the longest detail.
func largestInfoResult(name func(n int) string) *Result {
	x := make([]info.VMDKExtent, info.MaxExtents)
	for i := range x {
		x[i] = info.VMDKExtent{
			Filename:    name(info.MaxExtentNameLen),
			Format:      name(info.MaxExtentFormatLen),
			VirtualSize: math.MaxInt64,
			Flat:        true,
			ClusterSize: 1 << 32,
			Compressed:  true,
			NeedsHeader: true,
		}
	}
	return &Result{Version: Version, Op: OpInfo, Code: create.OK, Detail: name(MaxDetailLen),
		Info: &info.Image{
			Format:          "vmdk",
			VirtualSize:     math.MaxInt64,
			ClusterSize:     1 << 32,
			HasDirtyFlag:    true,
			Dirty:           true,
			BackingFilename: name(info.MaxNameLen),
			BackingFormat:   name(info.MaxNameLen),
			VMDK: &info.VMDKSpecific{CreateType: name(info.MaxNameLen), CID: math.MaxUint32, ParentCID: math.MaxUint32,
				Extents: x},
		}}
}

// TestLargestInfoResultFits keeps the bounds of info.Image.Validate and
// MaxResultSize in step: whatever the host would accept must be something
// the guest can send. Raising a bound of Validate (more extents, longer
// names) without raising MaxResultSize fails here.
func TestLargestInfoResultFits(t *testing.T) {
	res := largestInfoResult(worst)
	if err := res.Validate(); err != nil {
		t.Fatalf("the largest result is not valid, so the test no longer builds it: %v", err)
	}
	b, err := EncodeResult(res)
	if err != nil {
		t.Fatalf("the largest result Validate accepts does not encode: %v", err)
	}
	t.Logf("largest info result: %d bytes, %.0f%% of MaxResultSize (%d)", len(b), 100*float64(len(b))/MaxResultSize, MaxResultSize)
	got, err := DecodeResult(b)
	if err != nil {
		t.Fatalf("the largest result does not decode: %v", err)
	}
	if !reflect.DeepEqual(got, res) {
		t.Error("the largest result changed across the round trip")
	}

	// Names that are not valid UTF-8 travel base64-encoded with their field
	// listed; that costs less than the escapes above, so the result above
	// is the largest.
	b64 := largestInfoResult(func(n int) string { return strings.Repeat("\xff", n) })
	b64.Detail = res.Detail // the detail is sanitized text, not a name
	wire, err := json.Marshal(b64)
	if err != nil {
		t.Fatal(err)
	}
	if len(wire) >= len(b) {
		t.Errorf("base64 names encode to %d bytes, escaped control characters to %d: the test must build the larger", len(wire), len(b))
	}

	// And it is the edge: one more extent, or one more byte of an extent
	// name or type, is refused.
	for what, grow := range map[string]func(r *Result){
		"extent":      func(r *Result) { r.Info.VMDK.Extents = append(r.Info.VMDK.Extents, r.Info.VMDK.Extents[0]) },
		"extent name": func(r *Result) { r.Info.VMDK.Extents[0].Filename += "x" },
		"extent type": func(r *Result) { r.Info.VMDK.Extents[0].Format += "x" },
		"backing":     func(r *Result) { r.Info.BackingFilename += "x" },
		"create type": func(r *Result) { r.Info.VMDK.CreateType += "x" },
		"detail":      func(r *Result) { r.Detail += "x" },
	} {
		r := largestInfoResult(worst)
		grow(r)
		if _, err := EncodeResult(r); !errors.Is(err, ErrMalformed) {
			t.Errorf("one more %s: EncodeResult = %v, want ErrMalformed from Validate", what, err)
		}
	}
}

// TestWorstByte checks the premise of worst: no byte, and no character,
// encodes to more JSON per byte than worstByte.
func TestWorstByte(t *testing.T) {
	cost := func(s string) int {
		b, err := json.Marshal(info.Image{Format: "raw", BackingFilename: s})
		if err != nil {
			t.Fatal(err)
		}
		empty, _ := json.Marshal(info.Image{Format: "raw"})
		return len(b) - len(empty)
	}
	perByte := cost(strings.Repeat(worstByte, 300)) / 300
	for c := 0; c < 256; c++ {
		if got := cost(strings.Repeat(string(rune(c)), 300)) / 300; got > perByte {
			t.Errorf("U+%04X encodes to %d bytes per byte, more than %q's %d", c, got, worstByte, perByte)
		}
		if got := cost(strings.Repeat(string([]byte{byte(c)}), 300)) / 300; got > perByte {
			t.Errorf("byte %#x encodes to %d bytes per byte, more than %q's %d", c, got, worstByte, perByte)
		}
	}
	for _, r := range []rune{'\u2028', '\u2029', '\ufffd', '\U0010ffff'} {
		if got := cost(strings.Repeat(string(r), 300)) / (300 * len(string(r))); got > perByte {
			t.Errorf("%U encodes to %d bytes per byte, more than %q's %d", r, got, worstByte, perByte)
		}
	}
}
