package vmdk

import "bytes"

// FormatName is qemu's name for the format.
const FormatName = "vmdk"

// detectLen is how much of a file Detect is meant to see.
const detectLen = 4096

// Detect reports whether the first bytes of a file (callers pass the first
// 4 KiB, or the whole file when shorter) are a VMDK: a sparse extent
// ("KDMV", or the older "COWD"), or a text descriptor whose first line
// that is neither a comment nor blank is "version=1", "version=2" or
// "version=3" — the same test qemu-img's probe makes.
func Detect(head []byte) bool {
	if bytes.HasPrefix(head, []byte(sparseMagic)) || bytes.HasPrefix(head, []byte(cowdMagic)) {
		return true
	}
	return detectDescriptor(head)
}

// detectDescriptor skips '#' comment lines and lines of one or more spaces
// (qemu does not accept an empty line there), then wants a version line
// ended by "\n" or "\r\n".
func detectDescriptor(b []byte) bool {
	for len(b) > 0 {
		switch b[0] {
		case '#':
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				return false
			}
			b = b[i+1:]
			continue
		case ' ':
			rest := bytes.TrimLeft(b, " ")
			rest = bytes.TrimPrefix(rest, []byte("\r"))
			if len(rest) == 0 || rest[0] != '\n' {
				return false
			}
			b = rest[1:]
			continue
		}
		for _, v := range []string{"version=1", "version=2", "version=3"} {
			if rest, ok := bytes.CutPrefix(b, []byte(v)); ok {
				return bytes.HasPrefix(rest, []byte("\n")) || bytes.HasPrefix(rest, []byte("\r\n"))
			}
		}
		return false
	}
	return false
}
