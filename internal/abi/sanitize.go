package abi

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes text that came from the guest (or from image bytes) safe
// to print on a terminal: control characters, bidirectional-override
// characters and invalid UTF-8 are replaced by visible escapes (\x1b,
// \u202e), so a hostile image cannot move the cursor, recolour, retitle or
// visually reorder what the user reads. Printable text, spaces included, is
// kept as is.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x100 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isHidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isClean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x100 && unicode.IsControl(r)) || isHidden(r) {
			return false
		}
	}
	return true
}

// isHidden reports the format characters that change how surrounding text
// is displayed: bidirectional embeddings, overrides and isolates, and the
// line and paragraph separators.
func isHidden(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200e || r == 0x200f || r == 0x061c || r == 0x2028 || r == 0x2029
}
