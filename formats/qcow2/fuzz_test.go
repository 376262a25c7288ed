package qcow2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, must
// return either an image or a *FormatError (or both, for unknown features),
// and must describe what it returns consistently.
func FuzzParse(f *testing.F) {
	f.Add(validHeader()[:4096])
	withBacking := validHeader()[:4096]
	binary.BigEndian.PutUint64(withBacking[offBackingOffset:], 0x200)
	binary.BigEndian.PutUint32(withBacking[offBackingSize:], 9)
	copy(withBacking[0x200:], "base.img\x00")
	ext := encodeExtension(nil, ExtBackingFormat, []byte("raw"))
	ext = encodeExtension(ext, ExtFeatureNames, make([]byte, featureEntrySize))
	copy(withBacking[headerLengthWithComp:], ext)
	f.Add(withBacking)
	v2 := validHeader()[:512]
	binary.BigEndian.PutUint32(v2[offVersion:], 2)
	f.Add(v2)
	f.Add([]byte("QFI\xfb\x00\x00\x00\x03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if img != nil && !errors.Is(err, ErrUnsupportedFeature) {
				t.Fatalf("image returned with error %v", err)
			}
		}
		if img == nil {
			return
		}
		in := img.Info()
		if in.VirtualSize < 0 || in.ClusterSize < MinClusterSize || in.ClusterSize > MaxClusterSize {
			t.Fatalf("implausible info %+v", in)
		}
		if len(in.BackingFile) > MaxBackingFileName {
			t.Fatalf("backing name of %d bytes", len(in.BackingFile))
		}
	})
}
