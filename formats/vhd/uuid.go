package vhd

import (
	"encoding/hex"
	"fmt"
)

// UUID is a 16-byte identifier as stored in the footer (big-endian byte
// order, the order vhdiinfo prints).
type UUID [16]byte

// String formats the UUID as 8-4-4-4-12 lower-case hex.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// MarshalText implements encoding.TextMarshaler.
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler for the form String
// produces.
func (u *UUID) UnmarshalText(b []byte) error {
	s := string(b)
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return fmt.Errorf("vhd: UUID %q is not in 8-4-4-4-12 form", s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	var v UUID
	if _, err := hex.Decode(v[:], []byte(h)); err != nil {
		return fmt.Errorf("vhd: UUID %q: %w", s, err)
	}
	*u = v
	return nil
}
