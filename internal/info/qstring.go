package info

import (
	"fmt"
	"strings"
)

// jsonQuote quotes s as qemu's JSON writer does (qobject/qjson.c): the
// usual two-character escapes, \uXXXX with upper-case hex for every other
// code point below U+0020 or from U+007F up (surrogate pairs beyond the
// BMP), and U+FFFD for each malformed sequence. Unlike encoding/json it
// leaves '/', '<', '>' and '&' alone and escapes all non-ASCII text.
func jsonQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for len(s) > 0 {
		cp, n := modUTF8Codepoint(s)
		s = s[n:]
		switch cp {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if cp < 0 {
				cp = 0xFFFD
			}
			switch {
			case cp > 0xFFFF:
				fmt.Fprintf(&b, `\u%04X\u%04X`, 0xD800+((cp-0x10000)>>10), 0xDC00+((cp-0x10000)&0x3FF))
			case cp < 0x20 || cp >= 0x7F:
				fmt.Fprintf(&b, `\u%04X`, cp)
			default:
				b.WriteByte(byte(cp))
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// minCodepoint is the smallest code point a sequence of 2..6 bytes may
// encode without being overlong.
var minCodepoint = [...]int{0x80, 0x800, 0x10000, 0x200000, 0x4000000}

// modUTF8Codepoint decodes the sequence at the start of s (non-empty) as
// qemu's mod_utf8_codepoint (util/unicode.c) does, returning the code point
// or -1 and the number of bytes consumed. A NUL byte, which cannot occur in
// qemu's C strings, decodes as U+0000.
//
// It differs from unicode/utf8 on purpose: a truncated sequence consumes all
// of its continuation bytes (one U+FFFD for the lot), noncharacters are
// invalid, "\xC0\x80" is U+0000, and 5- and 6-byte forms are recognised.
func modUTF8Codepoint(s string) (cp, n int) {
	c := s[0]
	switch {
	case c < 0x80:
		return int(c), 1
	case c >= 0xFE:
		return -1, 1 // impossible bytes
	case c&0x40 == 0:
		return -1, 1 // continuation byte without a lead byte
	}
	length := 0
	mask := byte(0x80)
	for ; c&mask != 0; mask >>= 1 {
		length++
	}
	cp = int(c & (mask - 1))
	n = 1
	for i := 1; i < length; i++ {
		if n >= len(s) || s[n]&0xC0 != 0x80 {
			return -1, n // continuation byte missing
		}
		cp = cp<<6 | int(s[n]&0x3F)
		n++
	}
	switch {
	case cp > 0x10FFFF:
		return -1, n
	case (cp >= 0xFDD0 && cp <= 0xFDEF) || cp&0xFFFE == 0xFFFE:
		return -1, n // noncharacter
	case cp >= 0xD800 && cp <= 0xDFFF:
		return -1, n // surrogate
	case cp < minCodepoint[length-2] && !(cp == 0 && length == 2):
		return -1, n // overlong, other than "\xC0\x80"
	}
	return cp, n
}
