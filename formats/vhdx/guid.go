package vhdx

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// GUID is a 16-byte identifier as VHDX stores it: the Microsoft GUID layout,
// whose first three fields are little-endian (MS-VHDX 1.4 and [MS-DTYP]
// 2.3.4). The array holds the bytes in file order; String prints the usual
// text form, so bytes 66 77 c2 2d 23 f6 00 42 ... print as
// "2dc27766-f623-4200-...".
type GUID [16]byte

// String returns the lowercase text form without braces,
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
func (g GUID) String() string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(g[0:4]),
		binary.LittleEndian.Uint16(g[4:6]),
		binary.LittleEndian.Uint16(g[6:8]),
		g[8:10], g[10:16])
}

// IsZero reports whether every byte is zero (the "no GUID" value the
// specification uses, for example for an empty log).
func (g GUID) IsZero() bool { return g == GUID{} }

// MarshalText returns the String form, so a GUID reads naturally in JSON.
func (g GUID) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// UnmarshalText parses the form ParseGUID accepts.
func (g *GUID) UnmarshalText(b []byte) error {
	v, err := ParseGUID(string(b))
	if err != nil {
		return err
	}
	*g = v
	return nil
}

// ParseGUID parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", with or without
// enclosing braces, in either case.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	t := s
	if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
		t = t[1 : len(t)-1]
	}
	parts := strings.Split(t, "-")
	if len(parts) != 5 || len(parts[0]) != 8 || len(parts[1]) != 4 ||
		len(parts[2]) != 4 || len(parts[3]) != 4 || len(parts[4]) != 12 {
		return g, fmt.Errorf("vhdx: %q is not a GUID (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", s)
	}
	raw, err := hex.DecodeString(strings.Join(parts, ""))
	if err != nil {
		return g, fmt.Errorf("vhdx: %q is not a GUID: %v", s, err)
	}
	// The first three fields are printed big-endian but stored little-endian.
	binary.LittleEndian.PutUint32(g[0:4], binary.BigEndian.Uint32(raw[0:4]))
	binary.LittleEndian.PutUint16(g[4:6], binary.BigEndian.Uint16(raw[4:6]))
	binary.LittleEndian.PutUint16(g[6:8], binary.BigEndian.Uint16(raw[6:8]))
	copy(g[8:], raw[8:])
	return g, nil
}

// mustGUID is for the specification's fixed identifiers only.
func mustGUID(s string) GUID {
	g, err := ParseGUID(s)
	if err != nil {
		panic(err)
	}
	return g
}

// randomGUID reads a version-4 random GUID from r.
func randomGUID(r io.Reader) (GUID, error) {
	var g GUID
	if _, err := io.ReadFull(r, g[:]); err != nil {
		return g, fmt.Errorf("vhdx: reading random GUID: %w", err)
	}
	// Version 4 (random) and the RFC 4122 variant, in the Microsoft layout:
	// the version nibble is the top of the little-endian third field.
	g[7] = g[7]&0x0f | 0x40
	g[8] = g[8]&0x3f | 0x80
	return g, nil
}
