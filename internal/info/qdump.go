package info

import (
	"strconv"
	"strings"
)

// The human layout of "Format specific information" is qemu's dump_qobject
// (block/qapi.c): a dict entry is "key: value" with dashes in the key turned
// into spaces, a list entry is "[i]: value", and a dict or list value starts
// on the next line one level (four spaces) deeper.

func (s qstring) dump(b *buffer, _ int) { b.WriteString(escapeText(string(s))) }
func (n qint) dump(b *buffer, _ int)    { b.WriteString(strconv.FormatInt(int64(n), 10)) }
func (t qbool) dump(b *buffer, _ int)   { b.WriteString(strconv.FormatBool(bool(t))) }

func (d *qdict) dump(b *buffer, indent int) {
	for _, e := range d.ordered() {
		v := d.vals[e]
		b.WriteString(strings.Repeat("    ", indent))
		b.WriteString(escapeText(strings.ReplaceAll(d.keys[e], "-", " ")))
		dumpValue(b, v, indent)
	}
}

func (l qlist) dump(b *buffer, indent int) {
	for i, v := range l {
		b.WriteString(strings.Repeat("    ", indent))
		b.WriteString("[" + strconv.Itoa(i) + "]")
		dumpValue(b, v, indent)
	}
}

// dumpValue writes the ":" after a key or index and then the value.
func dumpValue(b *buffer, v value, indent int) {
	if v.composite() {
		b.WriteString(":\n")
		v.dump(b, indent+1)
		return
	}
	b.WriteString(": ")
	v.dump(b, indent+1)
	b.WriteByte('\n')
}
