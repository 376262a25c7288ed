package guest

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
)

func TestIsGuestNeedsArgAndEnv(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvVar {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		args []string
		env  string
		want bool
	}{
		{[]string{"instar", Arg}, EnvValue, true},
		{[]string{"instar", Arg}, "", false},
		{[]string{"instar"}, EnvValue, false},
		{[]string{"instar", Arg, "x"}, EnvValue, false},
		{[]string{"instar", "create"}, EnvValue, false},
	} {
		if got := IsGuest(tc.args, env(tc.env)); got != tc.want {
			t.Errorf("IsGuest(%q, %s=%q) = %v", tc.args, EnvVar, tc.env, got)
		}
	}
}

// memFile is an in-memory io.ReaderAt and io.WriterAt.
type memFile struct{ b []byte }

func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(m.b).ReadAt(p, off)
}

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	if end := int(off) + len(p); end > len(m.b) {
		m.b = append(m.b, make([]byte, end-len(m.b))...)
	}
	return copy(m.b[off:], p), nil
}

// roundTrip serves a request the way the host does: through the encoder
// and the strict decoder in both directions.
func roundTrip(t *testing.T, req *abi.Request, files Files) *abi.Result {
	t.Helper()
	wire, err := abi.EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := abi.DecodeRequest(bytes.NewReader(wire))
	if err != nil {
		t.Fatal(err)
	}
	out, err := abi.EncodeResult(Serve(got, files))
	if err != nil {
		t.Fatalf("the guest produced a result the ABI refuses: %v", err)
	}
	res, err := abi.DecodeResult(out)
	if err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	return res
}

func TestServeInfoRaw(t *testing.T) {
	img := &memFile{b: make([]byte, 3*512)}
	res := roundTrip(t, &abi.Request{Version: abi.Version, Op: abi.OpInfo, Info: &abi.InfoRequest{ImageSize: 3 * 512}}, Files{In: img})
	if res.Code != create.OK || res.Info.Format != "raw" || res.Info.VirtualSize != 3*512 {
		t.Fatalf("got %+v (info %+v)", res, res.Info)
	}
}

func TestServeInfoUnknownFormatFails(t *testing.T) {
	img := &memFile{b: make([]byte, 512)}
	res := roundTrip(t, &abi.Request{Version: abi.Version, Op: abi.OpInfo, Info: &abi.InfoRequest{Format: "qcow3", ImageSize: 512}}, Files{In: img})
	if res.Code != create.UnsupportedFormat || !strings.Contains(res.Detail, "qcow3") {
		t.Fatalf("got code %v detail %q", res.Code, res.Detail)
	}
}

func TestServeCreateRaw(t *testing.T) {
	out := &memFile{}
	res := roundTrip(t, &abi.Request{Version: abi.Version, Op: abi.OpCreate, Create: &abi.CreateRequest{
		Filename: "a.img", Format: "raw", Size: "1000", BackingSize: -1,
	}}, Files{Out: out})
	if res.Code != create.OK {
		t.Fatalf("code %v: %s", res.Code, res.Detail)
	}
	// qemu-img rounds sizes up to a multiple of 512.
	if res.Create.VirtualSize != 1024 || res.Create.FileSize != 1024 {
		t.Fatalf("got %+v", res.Create)
	}
}

func TestServeCreateRefusal(t *testing.T) {
	res := roundTrip(t, &abi.Request{Version: abi.Version, Op: abi.OpCreate, Create: &abi.CreateRequest{
		Filename: "a.img", Format: "qcow2", Options: []string{"frobnicate=1"}, Size: "1M", BackingSize: -1,
	}}, Files{Out: &memFile{}})
	if res.Code != create.InvalidOption || !strings.Contains(res.Detail, "frobnicate") {
		t.Fatalf("got code %v detail %q", res.Code, res.Detail)
	}
}

// panicReader stands in for a parser bug: reading from it panics with a
// long message holding control characters.
type panicReader struct{}

func (panicReader) ReadAt([]byte, int64) (int, error) {
	panic(strings.Repeat("\x1b[2J boom ", 1000))
}

func TestServeRecoversPanicAsGuestFault(t *testing.T) {
	res := roundTrip(t, &abi.Request{Version: abi.Version, Op: abi.OpInfo, Info: &abi.InfoRequest{ImageSize: 4096}}, Files{In: panicReader{}})
	if res.Code != create.GuestFault || !strings.Contains(res.Detail, "panicked") {
		t.Fatalf("got code %v detail %.80q", res.Code, res.Detail)
	}
	if len(res.Detail) > abi.MaxDetailLen || !utf8.ValidString(res.Detail) {
		t.Fatalf("detail of %d bytes is not a bounded UTF-8 string", len(res.Detail))
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("é", 10) // 2 bytes each
	for max := 3; max <= 20; max++ {
		got := truncate(s, max)
		if len(got) > max || !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q", s, max, got)
		}
	}
	if truncate("abc", 3) != "abc" {
		t.Error("a short string was changed")
	}
}
