package info

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// TestWireKeepsBytes checks that every name survives the JSON round trip
// byte for byte, invalid UTF-8 included, and that the receiver is not
// changed by encoding.
func TestWireKeepsBytes(t *testing.T) {
	bad := "latin1 \xe9t\xe9 \xff"
	im := &Image{Format: formatQcow2, VirtualSize: 1, HasDirtyFlag: true, BackingFilename: bad, BackingFormat: "r\xe0w",
		Qcow2: &Qcow2Specific{Compat: "1.1", CompressionType: "zlib", DataFile: bad},
		VMDK:  &VMDKSpecific{CreateType: bad, Extents: []VMDKExtent{{Filename: "ok"}, {Filename: bad, Format: bad}}}}
	want := im.clone()
	wire, err := json.Marshal(im)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(im, want) {
		t.Fatalf("MarshalJSON changed its receiver: %+v", im)
	}
	var got Image
	if err := json.Unmarshal(wire, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("round trip changed the image:\n got %+v\nwant %+v\nwire %s", got, *want, wire)
	}
}

func TestWireRejects(t *testing.T) {
	for _, tc := range []struct{ name, wire string }{
		{"unknown field", `{"format":"raw","virtual_size":0,"has_dirty_flag":true,"evil":1}`},
		{"bad base64", `{"format":"raw","virtual_size":0,"has_dirty_flag":true,"backing_filename":"!!","base64":["backing_filename"]}`},
		{"unknown base64 field", `{"format":"raw","virtual_size":0,"has_dirty_flag":true,"base64":["vmdk.extents.0.filename"]}`},
	} {
		var im Image
		err := json.Unmarshal([]byte(tc.wire), &im)
		if err == nil {
			t.Errorf("%s: decoded %+v", tc.name, im)
		}
		if tc.name != "unknown field" && !errors.Is(err, ErrInvalidImage) {
			t.Errorf("%s: error %v does not wrap ErrInvalidImage", tc.name, err)
		}
	}
}
