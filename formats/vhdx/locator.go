package vhdx

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// Keys of the VHDX parent locator (MS-VHDX 2.6.2.6.3).
const (
	// KeyParentLinkage holds the parent's DataWriteGUID as
	// "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"; it must be present.
	KeyParentLinkage = "parent_linkage"
	// KeyParentLinkage2 is an alternative linkage a writer may add.
	KeyParentLinkage2 = "parent_linkage2"
	// KeyRelativePath is the parent's path relative to the child's
	// directory, with "\" separators, e.g. "..\base\parent.vhdx".
	KeyRelativePath = "relative_path"
	// KeyVolumePath is a path on a volume GUID,
	// e.g. "\\?\Volume{...}\base\parent.vhdx".
	KeyVolumePath = "volume_path"
	// KeyAbsoluteWin32Path is an absolute Windows path,
	// e.g. "\\?\d:\base\parent.vhdx" or "d:\base\parent.vhdx".
	KeyAbsoluteWin32Path = "absolute_win32_path"
)

// KeyValue is one entry of a parent locator.
type KeyValue struct {
	Key, Value string
}

// ParentLocator is the parent locator metadata item of a differencing
// VHDX (MS-VHDX 2.6.2.6): the parent's type and the key/value pairs that
// identify and locate it. The entries keep their order in the file.
type ParentLocator struct {
	// Type is the parent's locator type; see IsVHDX.
	Type GUID
	// Entries are the key/value pairs, keys unique.
	Entries []KeyValue
}

// IsVHDX reports whether the locator describes a VHDX parent (type
// b04aefb7-d19e-4a81-b789-25b8e9445913, the only type MS-VHDX defines).
func (l *ParentLocator) IsVHDX() bool { return l.Type == vhdxLocatorType }

// Lookup returns the value stored under key.
func (l *ParentLocator) Lookup(key string) (string, bool) {
	for _, kv := range l.Entries {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ParentLinkage returns the parent DataWriteGUID the child was made
// against, parsed from the parent_linkage entry.
func (l *ParentLocator) ParentLinkage() (GUID, error) {
	v, ok := l.Lookup(KeyParentLinkage)
	if !ok {
		return GUID{}, fmt.Errorf("vhdx: parent locator has no %s entry", KeyParentLinkage)
	}
	return ParseGUID(v)
}

// decodeParentLocator parses a parent locator item b read from file offset
// base. Every offset and length is checked against len(b), which the caller
// has bounded by maxMetadataItemLength.
func decodeParentLocator(b []byte, base int64) (*ParentLocator, error) {
	const field = "parent locator"
	if len(b) < plHeaderSize {
		return nil, formatErr(ErrCorrupt, base, field, "item is %d bytes, shorter than its %d-byte header", len(b), plHeaderSize)
	}
	l := &ParentLocator{}
	copy(l.Type[:], b[plTypeOff:])
	n := int(binary.LittleEndian.Uint16(b[plKeyValueCntOff:]))
	if n > (len(b)-plHeaderSize)/plEntrySize {
		return nil, formatErr(ErrCorrupt, base+plKeyValueCntOff, field+" key/value count",
			"%d entries do not fit in a %d-byte item", n, len(b))
	}
	l.Entries = make([]KeyValue, 0, n)
	seen := make(map[string]bool, n)
	for i := range n {
		eoff := plHeaderSize + i*plEntrySize
		e := b[eoff:]
		at := base + int64(eoff)
		key, err := locatorString(b, binary.LittleEndian.Uint32(e[pleKeyOffsetOff:]),
			binary.LittleEndian.Uint16(e[pleKeyLengthOff:]), at, fmt.Sprintf("%s entry %d key", field, i))
		if err != nil {
			return nil, err
		}
		val, err := locatorString(b, binary.LittleEndian.Uint32(e[pleValOffsetOff:]),
			binary.LittleEndian.Uint16(e[pleValLengthOff:]), at, fmt.Sprintf("%s entry %d value", field, i))
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, formatErr(ErrCorrupt, at, fmt.Sprintf("%s entry %d key", field, i), "key %q appears twice; keys must be unique", key)
		}
		seen[key] = true
		l.Entries = append(l.Entries, KeyValue{Key: key, Value: val})
	}
	return l, nil
}

// locatorString decodes one UTF-16LE key or value of a parent locator.
func locatorString(item []byte, off uint32, length uint16, at int64, field string) (string, error) {
	switch {
	case off == 0 || length == 0:
		return "", formatErr(ErrCorrupt, at, field, "offset %d and length %d must both be greater than zero", off, length)
	case length%2 != 0:
		return "", formatErr(ErrCorrupt, at, field, "length %d is odd; UTF-16 strings have an even byte length", length)
	case uint64(off)+uint64(length) > uint64(len(item)):
		return "", formatErr(ErrCorrupt, at, field, "bytes %d..%d lie beyond the %d-byte item", off, uint64(off)+uint64(length), len(item))
	}
	raw := item[off : off+uint32(length)]
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(raw[2*i:])
	}
	if err := checkUTF16(u); err != "" {
		return "", formatErr(ErrCorrupt, at, field, "%s", err)
	}
	return string(utf16.Decode(u)), nil
}

// checkUTF16 returns why u is not a valid NUL-free UTF-16 string, or "".
func checkUTF16(u []uint16) string {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == 0:
			return "contains a NUL character"
		case c >= 0xd800 && c < 0xdc00:
			if i+1 >= len(u) || u[i+1] < 0xdc00 || u[i+1] >= 0xe000 {
				return "contains an unpaired UTF-16 surrogate"
			}
			i++
		case c >= 0xdc00 && c < 0xe000:
			return "contains an unpaired UTF-16 surrogate"
		}
	}
	return ""
}

// encode returns the parent locator item: header, entry table, then each
// key and value in entry order.
func (l *ParentLocator) encode() []byte {
	size := plHeaderSize + len(l.Entries)*plEntrySize
	strs := make([][2][]byte, len(l.Entries))
	for i, kv := range l.Entries {
		strs[i] = [2][]byte{utf16LE(kv.Key), utf16LE(kv.Value)}
		size += len(strs[i][0]) + len(strs[i][1])
	}
	b := make([]byte, size)
	copy(b[plTypeOff:], l.Type[:])
	binary.LittleEndian.PutUint16(b[plKeyValueCntOff:], uint16(len(l.Entries)))
	pos := plHeaderSize + len(l.Entries)*plEntrySize
	for i, s := range strs {
		e := b[plHeaderSize+i*plEntrySize:]
		binary.LittleEndian.PutUint32(e[pleKeyOffsetOff:], uint32(pos))
		binary.LittleEndian.PutUint16(e[pleKeyLengthOff:], uint16(len(s[0])))
		pos += copy(b[pos:], s[0])
		binary.LittleEndian.PutUint32(e[pleValOffsetOff:], uint32(pos))
		binary.LittleEndian.PutUint16(e[pleValLengthOff:], uint16(len(s[1])))
		pos += copy(b[pos:], s[1])
	}
	return b
}
