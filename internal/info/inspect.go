package info

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// probeSize is how much of the file qemu's probe looks at
// (BLOCK_PROBE_BUF_SIZE); detection here sees the same bytes.
const probeSize = 2048

// Inspect describes the image of size bytes read through r.
//
// With format "" it probes as qemu-img does: the first format whose
// signature matches the first 2 KiB wins (zero-padded when the file is
// shorter, as in qemu), and a file nothing matches is raw.
// A fixed VHD has only a footer, so it probes as raw, as in qemu-img; pass
// format "vpc" to read it as VHD. A file qemu-img would open as a format
// instar does not parse fails with ErrUnsupportedFormat.
//
// With a format name (raw, qcow2, vmdk, vpc, vhdx) it parses the bytes as
// that format only. Errors wrap the format package's error (a *FormatError
// naming the offset) or ErrUnknownFormat.
func Inspect(r io.ReaderAt, size int64, format string) (*Image, error) {
	if size < 0 {
		return nil, fmt.Errorf("info: negative image size %d", size)
	}
	if format == "" {
		var err error
		if format, err = probe(r, size); err != nil {
			return nil, err
		}
	}
	p, ok := parserFor(format)
	if !ok {
		return nil, fmt.Errorf("%w %q (instar reads raw, qcow2, vmdk, vpc and vhdx)", ErrUnknownFormat, format)
	}
	im, err := p.parse(r, size)
	if err != nil {
		return nil, fmt.Errorf("image is not a valid %s file: %w", format, err)
	}
	im.cutAtNUL()
	return im, nil
}

// cutAtNUL gives every name qemu's C-string meaning: it ends at the first
// NUL byte (qemu shows, and opens, "abc" for a stored "abc\x00def"). A
// backing name that is empty then means no backing file, and qemu shows no
// backing format either.
func (im *Image) cutAtNUL() {
	im.texts(func(_ string, s *string) {
		if i := strings.IndexByte(*s, 0); i >= 0 {
			*s = (*s)[:i]
		}
	})
	if im.BackingFilename == "" {
		im.BackingFormat = ""
	}
}

// probe returns the name of the format the file's first bytes match.
// Like qemu (find_image_format), it always probes a full 2 KiB buffer: past
// the end of a shorter file the buffer is zero, because qemu's file driver
// reads zeros there. An empty file is raw without probing.
func probe(r io.ReaderAt, size int64) (string, error) {
	if size == 0 {
		return formatRaw, nil
	}
	head := make([]byte, probeSize)
	n := min(size, probeSize)
	if _, err := r.ReadAt(head[:n], 0); err != nil && !(errors.Is(err, io.EOF) && n == size) {
		return "", fmt.Errorf("info: reading the first %d bytes: %w", n, err)
	}
	for _, p := range parsers {
		if p.detect != nil && p.detect(head) {
			return p.name, nil
		}
	}
	if name := detectUnsupported(head); name != "" {
		return "", fmt.Errorf("%w: the file looks like a %s image, which qemu-img can read and instar cannot", ErrUnsupportedFormat, name)
	}
	return formatRaw, nil
}
