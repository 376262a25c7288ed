package vhd

import "bytes"

// Detect reports whether head, the first bytes of a file, starts with a
// VHD footer copy, which is qemu's probe: dynamic and differencing disks
// have one, fixed disks do not (qemu-img probes those as raw unless given
// -f vpc; use DetectFooter for them).
func Detect(head []byte) bool {
	return len(head) >= len(footerCookie) && bytes.Equal(head[:len(footerCookie)], footerCookie)
}

// DetectFooter reports whether tail, the last bytes of a file (at least
// 512), ends with the footer of a fixed VHD: the cookie, a valid checksum
// and disk type fixed, so that Parse would accept it as the only footer.
// A raw disk whose last sector merely contains "conectix" is not matched.
func DetectFooter(tail []byte) bool {
	if len(tail) < FooterSize {
		return false
	}
	f, err := decodeFooter(tail[len(tail)-FooterSize:], 0)
	return err == nil && f.DiskType == DiskTypeFixed
}
