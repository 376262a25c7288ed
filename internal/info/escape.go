package info

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// escapeText makes a string from image bytes safe to print on a terminal.
// Printable text (including non-ASCII letters) is left as it is, so ordinary
// names print exactly as qemu-img prints them. Anything else — control
// characters (a newline would forge an output line, ESC a terminal
// sequence), bidirectional and other format characters, invalid UTF-8 — is
// written as a Go-style escape: \t \n \r, \xNN for single bytes, \uNNNN or
// \UNNNNNNNN for other code points. qemu-img prints such bytes raw.
func escapeText(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteString(s[:n])
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		s = s[n:]
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, the common case.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7F {
			return false
		}
	}
	return true
}
