package create

import (
	"strconv"
	"strings"
)

// formatting returns qemu-img's option list for the Formatting line, e.g.
// "fmt=qcow2 cluster_size=65536 extended_l2=off compression_type=zlib
// size=1073741824 lazy_refcounts=off refcount_bits=16": every key the user
// gave or that has a printed default, in the format's option-list order.
// size is the virtual size to print when none was given (the backing's).
func (o *Options) formatting(size int64) string {
	var b strings.Builder
	b.WriteString("fmt=")
	b.WriteString(string(o.Format))
	for _, d := range formatKeys[o.Format] {
		v, ok := o.given[d.name]
		if d.name == keySize && !ok {
			v, ok = strconv.FormatInt(size, 10), true
		}
		if !ok {
			v = d.def
		}
		if v == "" {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(d.name)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

// FormattingLine returns qemu-img's first line for a create, "Formatting
// 'NAME', fmt=…", for the options parsed from a request. size is printed
// when the request gave none (pass the backing's virtual size). The cli
// prints it before reporting a failure that qemu-img also reports after
// this line.
func (o *Options) FormattingLine(filename string, size int64) string {
	return "Formatting '" + filename + "', " + o.formatting(size)
}
