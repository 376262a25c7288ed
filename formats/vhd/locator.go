package vhd

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// PlatformCode identifies the kind of a parent locator entry (VHD spec,
// "Parent Locator Entry", Platform Code table).
type PlatformCode uint32

// Platform codes.
const (
	PlatformNone PlatformCode = 0
	PlatformWi2r PlatformCode = 0x57693272 // "Wi2r", deprecated
	PlatformWi2k PlatformCode = 0x5769326B // "Wi2k", deprecated
	PlatformW2ru PlatformCode = 0x57327275 // "W2ru", relative Windows path, UTF-16LE
	PlatformW2ku PlatformCode = 0x57326B75 // "W2ku", absolute Windows path, UTF-16LE
	PlatformMac  PlatformCode = 0x4D616320 // "Mac ", Mac OS alias blob
	PlatformMacX PlatformCode = 0x4D616358 // "MacX", file URL, UTF-8
)

// String returns the four-character code, or a number for unknown codes.
func (c PlatformCode) String() string {
	switch c {
	case PlatformNone:
		return "none"
	case PlatformWi2r, PlatformWi2k, PlatformW2ru, PlatformW2ku, PlatformMac, PlatformMacX:
		return string([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	}
	return fmt.Sprintf("PlatformCode(%#x)", uint32(c))
}

// MarshalText implements encoding.TextMarshaler.
func (c PlatformCode) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Length limits for names and paths a differencing disk records.
const (
	// MaxParentNameUnits is the capacity of the Parent Unicode Name field:
	// 512 bytes of UTF-16.
	MaxParentNameUnits = parentNameSize / 2
	// MaxLocatorPathUnits is the longest path, in UTF-16 code units, put
	// in a W2ru or W2ku locator: Windows' limit for extended-length paths.
	MaxLocatorPathUnits = 32767
	// maxLocatorData bounds the locator data Parse reads.
	maxLocatorData = 64 << 10
)

// Locator is a decoded parent locator.
type Locator struct {
	Platform PlatformCode
	Path     string // the decoded path; empty for "Mac " aliases and unknown codes
	Offset   int64  // file offset of the locator data
}

// utf16Units encodes s as UTF-16, refusing invalid UTF-8 and NUL, which
// would end the name early for any reader.
func utf16Units(what, s string) ([]uint16, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: %s %q is not valid UTF-8", ErrParentPath, what, s)
	}
	if strings.ContainsRune(s, 0) {
		return nil, fmt.Errorf("%w: %s %q contains a NUL character", ErrParentPath, what, s)
	}
	return utf16.Encode([]rune(s)), nil
}

// encodeParentName encodes the Parent Unicode Name field (UTF-16BE).
func encodeParentName(name string) ([parentNameSize]byte, error) {
	var b [parentNameSize]byte
	u, err := utf16Units("parent name", name)
	if err != nil {
		return b, err
	}
	if len(u) > MaxParentNameUnits {
		return b, fmt.Errorf("%w: parent name %q is %d UTF-16 code units; the VHD field holds %d (use a shorter relative path)",
			ErrParentName, name, len(u), MaxParentNameUnits)
	}
	for i, c := range u {
		binary.BigEndian.PutUint16(b[2*i:], c)
	}
	return b, nil
}

// decodeUTF16 decodes UTF-16 up to the first NUL unit; invalid surrogates
// become U+FFFD.
func decodeUTF16(b []byte, order binary.ByteOrder) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := order.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// windowsForbidden are characters Windows does not allow in a path
// component (besides control characters).
const windowsForbidden = `<>:"|?*`

// windowsPath converts a slash-separated host path to backslashes,
// refusing what Windows could not read back as the same path.
func windowsPath(what, p string) ([]uint16, string, error) {
	u, err := utf16Units(what, p)
	if err != nil {
		return nil, "", err
	}
	if strings.Contains(p, `\`) {
		return nil, "", fmt.Errorf("%w: %s %q contains a backslash, which is a file name character here but a separator on Windows", ErrParentPath, what, p)
	}
	for _, r := range p {
		if r < 0x20 || strings.ContainsRune(windowsForbidden, r) {
			return nil, "", fmt.Errorf("%w: %s %q contains %q, which Windows does not allow in a path", ErrParentPath, what, p, r)
		}
	}
	w := strings.ReplaceAll(p, "/", `\`)
	if len(u) > MaxLocatorPathUnits {
		return nil, "", fmt.Errorf("%w: %s is %d UTF-16 code units; Windows paths hold at most %d", ErrParentPath, what, len(u), MaxLocatorPathUnits)
	}
	return u, w, nil
}

// relativeLocatorPath turns a path relative to the child's directory into
// the W2ru form Windows tools write: backslashes, starting with ".\" or
// "..\".
func relativeLocatorPath(p string) (string, error) {
	if p == "" || strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: relative parent path %q must be a non-empty path relative to the new image's directory", ErrParentPath, p)
	}
	_, w, err := windowsPath("relative parent path", p)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(w, `.\`) && !strings.HasPrefix(w, `..\`) {
		w = `.\` + w
	}
	if n := len(utf16.Encode([]rune(w))); n > MaxLocatorPathUnits {
		return "", fmt.Errorf("%w: relative parent path is %d UTF-16 code units with its .\\ prefix; Windows paths hold at most %d", ErrParentPath, n, MaxLocatorPathUnits)
	}
	return w, nil
}

// absoluteLocatorPath turns an absolute host path into the W2ku form:
// backslashes, so "/srv/base.vhd" becomes "\srv\base.vhd" (rooted on the
// current drive for Windows).
func absoluteLocatorPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: absolute parent path %q must start with /", ErrParentPath, p)
	}
	_, w, err := windowsPath("absolute parent path", p)
	return w, err
}

// encodeUTF16LE encodes locator data for W2ru and W2ku.
func encodeUTF16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// decodeLocatorData decodes a locator's data by platform.
func decodeLocatorData(code PlatformCode, b []byte) string {
	switch code {
	case PlatformW2ru, PlatformW2ku:
		return decodeUTF16(b, binary.LittleEndian)
	case PlatformMacX, PlatformWi2r, PlatformWi2k:
		s, _, _ := strings.Cut(string(b), "\x00")
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return ""
}
