package info

import (
	"bytes"
	"strings"
	"testing"
)

// TestUnknownDiskSize checks the rendering of an entry whose allocation the
// host could not read: qemu-img prints "disk size: unavailable" and omits
// actual-size (bdrv_image_info_dump, ImageInfo's optional actual-size).
func TestUnknownDiskSize(t *testing.T) {
	e := []Entry{{Filename: "x.raw", ActualSize: -1, Image: &Image{Format: formatRaw, VirtualSize: 512, HasDirtyFlag: true}}}
	var h, j bytes.Buffer
	if err := WriteHuman(&h, e); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&j, e, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), "\ndisk size: unavailable\n") {
		t.Errorf("human output without the unavailable disk size:\n%s", h.String())
	}
	if strings.Contains(j.String(), "actual-size") {
		t.Errorf("JSON has actual-size although it is unknown:\n%s", j.String())
	}
}

func TestWriteJSONNeedsOneEntryWithoutChain(t *testing.T) {
	im := &Image{Format: formatRaw, HasDirtyFlag: true}
	for _, n := range []int{0, 2} {
		if err := WriteJSON(&bytes.Buffer{}, make([]Entry, n), false); err == nil {
			t.Errorf("WriteJSON of %d entries without chain succeeded", n)
		}
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, []Entry{{Filename: "a", Image: im}}, true); err != nil || !strings.HasPrefix(b.String(), "[\n    {\n") {
		t.Errorf("WriteJSON chain of one = %v:\n%s", err, b.String())
	}
}
