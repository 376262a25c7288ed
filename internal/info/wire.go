package info

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// An Image crosses the sandbox boundary as JSON, and encoding/json replaces
// invalid UTF-8 with U+FFFD. Image names are bytes, not text (a Latin-1
// backing file name is a real file the host must find), so strings that are
// not valid UTF-8 travel base64-encoded, listed by field in "base64".

// imageFields is Image without its methods, so encoding/json does not
// recurse into MarshalJSON.
type imageFields Image

// wireImage is the JSON form of an Image.
type wireImage struct {
	*imageFields
	Base64 []string `json:"base64,omitempty"`
}

// MarshalJSON encodes the Image, keeping names that are not valid UTF-8
// byte for byte.
func (im Image) MarshalJSON() ([]byte, error) {
	c := im.clone()
	var encoded []string
	c.texts(func(field string, s *string) {
		if !utf8.ValidString(*s) {
			*s = base64.StdEncoding.EncodeToString([]byte(*s))
			encoded = append(encoded, field)
		}
	})
	return json.Marshal(wireImage{(*imageFields)(c), encoded})
}

// UnmarshalJSON decodes what MarshalJSON wrote. Unknown fields are an
// error, as everywhere at the sandbox boundary; bounds are Validate's job.
func (im *Image) UnmarshalJSON(data []byte) error {
	w := wireImage{imageFields: (*imageFields)(im)}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	todo := map[string]bool{}
	for _, f := range w.Base64 {
		todo[f] = true
	}
	var err error
	im.texts(func(field string, s *string) {
		if !todo[field] || err != nil {
			return
		}
		delete(todo, field)
		b, derr := base64.StdEncoding.DecodeString(*s)
		if derr != nil {
			err = fmt.Errorf("%w: field %s: %v", ErrInvalidImage, field, derr)
		}
		*s = string(b)
	})
	if err == nil && len(todo) > 0 {
		err = fmt.Errorf("%w: base64 names %d fields the image does not have", ErrInvalidImage, len(todo))
	}
	return err
}

// texts calls f for every string of the Image, with a name that is stable
// for a given shape.
func (im *Image) texts(f func(field string, s *string)) {
	f("format", &im.Format)
	f("backing_filename", &im.BackingFilename)
	f("backing_format", &im.BackingFormat)
	if q := im.Qcow2; q != nil {
		f("qcow2.compat", &q.Compat)
		f("qcow2.compression_type", &q.CompressionType)
		f("qcow2.data_file", &q.DataFile)
	}
	if v := im.VMDK; v != nil {
		f("vmdk.create_type", &v.CreateType)
		for i := range v.Extents {
			f("vmdk.extents."+strconv.Itoa(i)+".filename", &v.Extents[i].Filename)
			f("vmdk.extents."+strconv.Itoa(i)+".format", &v.Extents[i].Format)
		}
	}
}

// clone is a deep copy, so MarshalJSON can encode names without touching
// the receiver.
func (im *Image) clone() *Image {
	c := *im
	if im.Qcow2 != nil {
		q := *im.Qcow2
		c.Qcow2 = &q
	}
	if im.VMDK != nil {
		v := *im.VMDK
		v.Extents = append([]VMDKExtent(nil), v.Extents...)
		c.VMDK = &v
	}
	return &c
}
