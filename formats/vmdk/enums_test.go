package vmdk

import (
	"encoding/json"
	"testing"
)

func TestEnumText(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{FlagRedundantGD | FlagNewlineDetect | FlagCompressed | FlagMarkers, `"newline-detect|redundant-gd|compressed|markers"`},
		{HeaderFlags(0), `"none"`},
		{HeaderFlags(1 << 5), `"0x20"`},
		{CompressionDeflate, `"deflate"`},
		{Compression(9), `"Compression(9)"`},
		{StreamOptimized, `"streamOptimized"`},
		{Subformat(42), `"Subformat(42)"`},
		{AdapterLegacyESX, `"legacyESX"`},
		{AdapterType(9), `"AdapterType(9)"`},
	} {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%#v: %s %v, want %s", c.v, b, err, c.want)
		}
	}
}
