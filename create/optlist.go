package create

import "strings"

// setting is one key=value piece of an -o list, as typed.
type setting struct {
	key   string
	value string
	bare  bool // the key had no '=', so qemu reads it as key=on (or key=off for "noKEY")
}

// validOptionList reports whether one -o argument is a list qemu-img
// accepts at all: not empty, not starting with a comma, not ending with an
// odd number of commas (",," at the end is an escaped comma).
func validOptionList(s string) bool {
	if s == "" || s[0] == ',' {
		return false
	}
	n := len(s) - len(strings.TrimRight(s, ","))
	return n%2 == 0
}

// splitOptionList splits an -o list into its pieces the way qemu's option
// parser does: pieces are separated by ',', ",," inside a value is a literal
// comma, the key runs to the first '=' or ','; a piece without '=' is a
// flag: "help" and "?" ask for help, "noKEY" means KEY=off and any other
// KEY means KEY=on.
func splitOptionList(s string) (pieces []setting, help bool) {
	for len(s) > 0 {
		n := strings.IndexAny(s, "=,")
		if n < 0 || s[n] == ',' {
			if n < 0 {
				n = len(s)
			}
			name := s[:n]
			s = s[n:]
			switch {
			case name == "help" || name == "?":
				help = true
			case strings.HasPrefix(name, "no"):
				pieces = append(pieces, setting{key: name[2:], value: "off", bare: true})
			default:
				pieces = append(pieces, setting{key: name, value: "on", bare: true})
			}
		} else {
			name := s[:n]
			var value string
			value, s = readOptionValue(s[n+1:])
			pieces = append(pieces, setting{key: name, value: value})
		}
		if len(s) > 0 && s[0] == ',' {
			s = s[1:]
		}
	}
	return pieces, help
}

// readOptionValue reads a value up to the first single comma, turning ",,"
// into ",", and returns the value and the rest starting at that comma.
func readOptionValue(s string) (value, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			if i+1 < len(s) && s[i+1] == ',' {
				b.WriteByte(',')
				i++
				continue
			}
			return b.String(), s[i:]
		}
		b.WriteByte(s[i])
	}
	return b.String(), ""
}

// escapeOptionValue doubles commas, as qemu-img prints string values.
func escapeOptionValue(s string) string { return strings.ReplaceAll(s, ",", ",,") }
