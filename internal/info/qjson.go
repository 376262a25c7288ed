package info

import (
	"strconv"
	"strings"
)

// buffer collects rendered output.
type buffer = strings.Builder

// The JSON layout is qemu's pretty writer (qobject/qjson.c): four spaces
// per level, `"key": value`, the comma at the end of a line, and the closing
// bracket on its own line even for an empty container.

func (s qstring) writeJSON(b *buffer, _ int) { b.WriteString(jsonQuote(string(s))) }
func (n qint) writeJSON(b *buffer, _ int)    { b.WriteString(strconv.FormatInt(int64(n), 10)) }
func (t qbool) writeJSON(b *buffer, _ int)   { b.WriteString(strconv.FormatBool(bool(t))) }

func (d *qdict) writeJSON(b *buffer, indent int) {
	b.WriteByte('{')
	for i, e := range d.ordered() {
		if i > 0 {
			b.WriteByte(',')
		}
		jsonNewline(b, indent+1)
		b.WriteString(jsonQuote(d.keys[e]))
		b.WriteString(": ")
		d.vals[e].writeJSON(b, indent+1)
	}
	jsonNewline(b, indent)
	b.WriteByte('}')
}

func (l qlist) writeJSON(b *buffer, indent int) {
	b.WriteByte('[')
	for i, e := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		jsonNewline(b, indent+1)
		e.writeJSON(b, indent+1)
	}
	jsonNewline(b, indent)
	b.WriteByte(']')
}

func jsonNewline(b *buffer, indent int) {
	b.WriteByte('\n')
	b.WriteString(strings.Repeat("    ", indent))
}
