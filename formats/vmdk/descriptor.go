package vmdk

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Limits on descriptor text, which is untrusted.
const (
	// MaxDescriptorSize is the most descriptor text Parse reads (1 MiB,
	// about qemu's own cap for descriptor files).
	MaxDescriptorSize = 1 << 20

	// MaxExtents is the most extent lines a descriptor may have (2 TiB of
	// twoGbMaxExtent* extents). More is refused, not truncated.
	MaxExtents = 1024

	// MaxExtentFileNameLen is the longest extent file name qemu reads
	// from an extent line (its %511[^"] conversion).
	MaxExtentFileNameLen = 511

	// MaxParentFileNameHintLen is the longest parentFileNameHint qemu
	// reads (PATH_MAX − 1).
	MaxParentFileNameHintLen = 4095
)

// Descriptor is a parsed VMDK text descriptor (VMware "Virtual Disk Format
// 5.0", section "The Descriptor File"), embedded in a sparse extent or a
// file of its own.
type Descriptor struct {
	// Version is the value of version= ("" when absent).
	Version string
	// CID and ParentCID are the content identifiers; HasCID and
	// HasParentCID say whether the keys were present.
	CID, ParentCID       uint32
	HasCID, HasParentCID bool
	// CreateType is the createType value, e.g. "monolithicSparse".
	CreateType string
	// ParentFileNameHint is the parent's path as written, verbatim;
	// HasParentFileNameHint says whether the key was present.
	ParentFileNameHint    string
	HasParentFileNameHint bool
	// Extents are the extent lines in order.
	Extents []ExtentLine
	// DDB holds the ddb.* entries in order, keys with their "ddb." prefix.
	DDB []KeyValue
	// Other holds every other key=value line in order.
	Other []KeyValue
}

// KeyValue is one key=value line of a descriptor, value unquoted.
type KeyValue struct {
	Key, Value string
}

// DDBValue returns the value of a ddb key (with its "ddb." prefix).
func (d *Descriptor) DDBValue(key string) (string, bool) {
	for _, kv := range d.DDB {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ExtentLine is one extent line: `ACCESS SECTORS TYPE "FILE" [OFFSET]`.
type ExtentLine struct {
	// Access is RW, RDONLY or NOACCESS.
	Access string
	// Sectors is the extent's size in 512-byte sectors (qemu ignores an
	// extent of 0 sectors).
	Sectors int64
	// Type is the extent type as written: SPARSE, FLAT, ZERO, VMFS,
	// VMFSSPARSE, SESPARSE, ...
	Type string
	// FileName is the extent's file name as written. It is data: nothing
	// in this package opens it.
	FileName string
	// Offset is the start of the extent in its file in sectors (FLAT);
	// HasOffset says whether the line had one.
	Offset    int64
	HasOffset bool
	// LineOffset is the byte offset of the line in its file.
	LineOffset int64
}

// Flat reports whether the extent holds raw data (FLAT or VMFS).
func (e *ExtentLine) Flat() bool { return e.Type == "FLAT" || e.Type == "VMFS" }

// Size is the extent's size in bytes.
func (e *ExtentLine) Size() int64 { return e.Sectors * SectorSize }

// ParseDescriptor parses descriptor text. base is the text's offset in its
// file, used in error offsets. The text ends at its first NUL byte, as in
// an embedded descriptor's zero-padded area; anything but NULs after it is
// refused. Every problem is a *FormatError wrapping ErrCorrupt (or
// ErrUnsupported for a version other than 1–3).
func ParseDescriptor(text []byte, base int64) (*Descriptor, error) {
	if len(text) > MaxDescriptorSize {
		return nil, formatErr(ErrCorrupt, base, "descriptor", "%d bytes of descriptor text exceed the %d-byte limit", len(text), MaxDescriptorSize)
	}
	if i := bytes.IndexByte(text, 0); i >= 0 {
		if j := bytes.IndexFunc(text[i:], func(r rune) bool { return r != 0 }); j >= 0 {
			return nil, formatErr(ErrCorrupt, base+int64(i), "descriptor", "NUL byte inside the descriptor text (text continues at offset %d)", base+int64(i+j))
		}
		text = text[:i]
	}
	d := &Descriptor{}
	seen := map[string]bool{}
	for pos := 0; pos < len(text); {
		end := bytes.IndexByte(text[pos:], '\n')
		next := len(text)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(text)
		}
		off := base + int64(pos)
		line := strings.TrimRight(string(text[pos:end]), "\r")
		pos = next
		line = strings.Trim(line, " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		if isExtentLine(line) {
			if len(d.Extents) == MaxExtents {
				return nil, formatErr(ErrCorrupt, off, "descriptor extent line", "more than %d extent lines", MaxExtents)
			}
			e, err := parseExtentLine(line, off)
			if err != nil {
				return nil, err
			}
			e.LineOffset = off
			d.Extents = append(d.Extents, e)
			continue
		}
		key, value, err := parseKeyValue(line, off)
		if err != nil {
			return nil, err
		}
		if err := d.set(key, value, off, seen); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// set stores one key=value line.
func (d *Descriptor) set(key, value string, off int64, seen map[string]bool) error {
	field := "descriptor " + key
	switch key {
	case "version", "CID", "parentCID", "createType", "parentFileNameHint":
		if seen[key] {
			return formatErr(ErrCorrupt, off, field, "the key appears twice")
		}
		seen[key] = true
	}
	switch key {
	case "version":
		if value != "1" && value != "2" && value != "3" {
			return formatErr(ErrUnsupported, off, field, "descriptor version %q is not 1, 2 or 3", value)
		}
		d.Version = value
	case "CID":
		v, err := parseCID(value)
		if err != nil {
			return formatErr(ErrCorrupt, off, field, "%q is not a 32-bit hexadecimal content ID", value)
		}
		d.CID, d.HasCID = v, true
	case "parentCID":
		v, err := parseCID(value)
		if err != nil {
			return formatErr(ErrCorrupt, off, field, "%q is not a 32-bit hexadecimal content ID", value)
		}
		d.ParentCID, d.HasParentCID = v, true
	case "createType":
		d.CreateType = value
	case "parentFileNameHint":
		if len(value) > MaxParentFileNameHintLen {
			return formatErr(ErrCorrupt, off, field, "%d bytes exceed the %d-byte limit", len(value), MaxParentFileNameHintLen)
		}
		d.ParentFileNameHint, d.HasParentFileNameHint = value, true
	default:
		kv := KeyValue{Key: key, Value: value}
		if strings.HasPrefix(key, "ddb.") {
			d.DDB = append(d.DDB, kv)
		} else {
			d.Other = append(d.Other, kv)
		}
	}
	return nil
}

// parseCID parses a content ID: 1 to 8 hexadecimal digits.
func parseCID(s string) (uint32, error) {
	if len(s) == 0 || len(s) > 8 {
		return 0, strconv.ErrSyntax
	}
	v, err := strconv.ParseUint(s, 16, 32)
	return uint32(v), err
}

// isExtentLine reports whether a line starts with an access mode word.
func isExtentLine(line string) bool {
	for _, a := range []string{"RW", "RDONLY", "NOACCESS"} {
		if rest, ok := strings.CutPrefix(line, a); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			return true
		}
	}
	return false
}

// parseKeyValue splits `key = value` or `key = "value"`.
func parseKeyValue(line string, off int64) (key, value string, err error) {
	k, v, ok := strings.Cut(line, "=")
	key = strings.Trim(k, " \t")
	if !ok || key == "" || strings.ContainsAny(key, " \t\"") {
		return "", "", formatErr(ErrCorrupt, off, "descriptor line", "%q is neither key=value nor an extent line", clip(line))
	}
	v = strings.Trim(v, " \t")
	if strings.HasPrefix(v, `"`) {
		inner := v[1:]
		i := strings.IndexByte(inner, '"')
		if i < 0 {
			return "", "", formatErr(ErrCorrupt, off, "descriptor "+key, "unterminated quoted value")
		}
		if i != len(inner)-1 {
			return "", "", formatErr(ErrCorrupt, off, "descriptor "+key, "text after the closing quote")
		}
		return key, inner[:i], nil
	}
	if strings.ContainsRune(v, '"') {
		return "", "", formatErr(ErrCorrupt, off, "descriptor "+key, "stray quote in an unquoted value")
	}
	return key, v, nil
}

// parseExtentLine parses `ACCESS SECTORS TYPE "FILE" [OFFSET]`.
func parseExtentLine(line string, off int64) (ExtentLine, error) {
	const field = "descriptor extent line"
	var e ExtentLine
	bad := func(format string, args ...any) (ExtentLine, error) {
		return ExtentLine{}, formatErr(ErrCorrupt, off, field, format+" in %q", append(args, clip(line))...)
	}
	rest := line
	var tok string
	tok, rest = nextToken(rest)
	e.Access = tok
	tok, rest = nextToken(rest)
	n, err := strconv.ParseInt(tok, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/SectorSize {
		return bad("size %q is not a sector count between 0 and %d", tok, int64(math.MaxInt64/SectorSize))
	}
	e.Sectors = n
	tok, rest = nextToken(rest)
	if tok == "" || strings.ContainsRune(tok, '"') {
		return bad("missing extent type")
	}
	e.Type = tok
	if !strings.HasPrefix(rest, `"`) {
		return bad("missing quoted file name")
	}
	name, after, ok := strings.Cut(rest[1:], `"`)
	if !ok {
		return bad("unterminated quoted file name")
	}
	if len(name) > MaxExtentFileNameLen {
		return bad("file name longer than %d bytes", MaxExtentFileNameLen)
	}
	e.FileName = name
	after = strings.Trim(after, " \t")
	if after != "" {
		tok, rest = nextToken(after)
		o, err := strconv.ParseInt(tok, 10, 64)
		if err != nil || o < 0 || o > math.MaxInt64/SectorSize || rest != "" {
			return bad("trailing %q is not a sector offset", after)
		}
		e.Offset, e.HasOffset = o, true
	}
	return e, nil
}

// nextToken returns the first blank-separated word and the rest, trimmed.
func nextToken(s string) (tok, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// clip shortens text quoted in an error message.
func clip(s string) string {
	if len(s) > maxShownValue {
		return s[:maxShownValue] + "…"
	}
	return s
}
