package qcow2

import "encoding/binary"

// ExtensionType identifies a header extension (docs/interop/qcow2.txt,
// "Header extensions").
type ExtensionType uint32

// Header extension types.
const (
	ExtEnd            ExtensionType = 0x00000000
	ExtBackingFormat  ExtensionType = 0xe2792aca
	ExtFeatureNames   ExtensionType = 0x6803f857
	ExtBitmaps        ExtensionType = 0x23852875
	ExtFullEncryption ExtensionType = 0x0537be77
	ExtDataFile       ExtensionType = 0x44415441
)

// String names the extension as docs/interop/qcow2.txt does.
func (t ExtensionType) String() string {
	switch t {
	case ExtEnd:
		return "end"
	case ExtBackingFormat:
		return "backing format"
	case ExtFeatureNames:
		return "feature name table"
	case ExtBitmaps:
		return "bitmaps"
	case ExtFullEncryption:
		return "full disk encryption header"
	case ExtDataFile:
		return "external data file"
	}
	return "unknown"
}

// Layout of a header extension: a 4-byte type, a 4-byte data length, the
// data padded to a multiple of 8 bytes.
const (
	extHeaderSize    = 8
	featureEntrySize = 48 // type (1), bit (1), name (46)
	featureNameLen   = 46
)

// Extension is a header extension as found in the file.
type Extension struct {
	Type   ExtensionType
	Offset int64 // file offset of the extension's type field
	Data   []byte
}

// extensions is what parseExtensions decodes from the extension area.
type extensions struct {
	list          []Extension
	backingFormat string
	dataFile      string
	featureNames  []FeatureName
}

// parseExtensions decodes the extensions in area, which starts at file
// offset base and ends where the extension area must end (the backing file
// name or the end of cluster 0). Lengths are checked against the area, so
// no extension can make the parser read or allocate beyond it.
func parseExtensions(area []byte, base int64) (*extensions, error) {
	ex := &extensions{}
	for pos := 0; ; {
		off := base + int64(pos)
		if len(area)-pos < extHeaderSize {
			if len(area)-pos == 0 || allZero(area[pos:]) {
				return ex, nil // end marker implied by the end of the area
			}
			return nil, formatErr(off, "header extension", ErrMalformed,
				"%d bytes left before the end of the extension area, too few for an extension header", len(area)-pos)
		}
		typ := ExtensionType(binary.BigEndian.Uint32(area[pos:]))
		n := int64(binary.BigEndian.Uint32(area[pos+4:]))
		if typ == ExtEnd {
			return ex, nil
		}
		avail := int64(len(area) - pos - extHeaderSize)
		if n > avail {
			return nil, formatErr(off+4, "header extension length", ErrMalformed,
				"extension %#08x declares %d bytes but only %d remain in the extension area", uint32(typ), n, avail)
		}
		data := area[pos+extHeaderSize : pos+extHeaderSize+int(n)]
		ex.list = append(ex.list, Extension{Type: typ, Offset: off, Data: data})
		switch typ {
		case ExtBackingFormat:
			ex.backingFormat = cString(data)
		case ExtDataFile:
			ex.dataFile = cString(data)
		case ExtFeatureNames:
			for i := 0; i+featureEntrySize <= len(data); i += featureEntrySize {
				e := data[i : i+featureEntrySize]
				ex.featureNames = append(ex.featureNames, FeatureName{
					Type: FeatureType(e[0]), Bit: e[1], Name: cString(e[2:]),
				})
			}
		}
		// The data is padded to 8 bytes; n ≤ avail < 2^31, so this cannot overflow.
		next := int64(pos) + extHeaderSize + (n+7)&^7
		if next > int64(len(area)) {
			return ex, nil // padding of the last extension runs into the end of the area
		}
		pos = int(next)
	}
}

// cString returns b up to its first NUL byte.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// encodeExtension appends an extension with its padding to b.
func encodeExtension(b []byte, typ ExtensionType, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(typ))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}
