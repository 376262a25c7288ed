package vhdx

import (
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf16"
)

// Detect reports whether head, the first bytes of a file, starts with the
// VHDX file type identifier.
func Detect(head []byte) bool {
	return len(head) >= len(fileSignature) && string(head[:len(fileSignature)]) == fileSignature
}

// Parse reads the VHDX image in r, whose length is size bytes: the file
// type identifier, both headers, both region tables, the metadata table and
// its items. It never reads the BAT or payload, so its cost does not grow
// with the virtual size, and it holds at most about 1.3 MiB. Only when the
// active header says the log is in use does it scan the log, 1 MiB at a
// time and at most 32 MiB, for an entry that still needs replay.
//
// Every offset, length and count is checked against the structure that
// holds it and against size before it is used. Problems in the bytes are
// *FormatError values wrapping ErrNotVHDX, ErrCorrupt or ErrUnsupported;
// errors from r itself are returned wrapped as they are.
func Parse(r io.ReaderAt, size int64) (*Image, error) {
	p := parser{r: r, size: size, img: &Image{}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.img, nil
}

type parser struct {
	r    io.ReaderAt
	size int64
	img  *Image
}

func (p *parser) warn(format string, args ...any) {
	p.img.Warnings = append(p.img.Warnings, fmt.Sprintf(format, args...))
}

// read returns n bytes at off, after checking they lie inside the file.
func (p *parser) read(off int64, n int, what string) ([]byte, error) {
	if off < 0 || n < 0 || off > p.size || int64(n) > p.size-off {
		return nil, formatErr(ErrCorrupt, off, what,
			"%d bytes needed but the file is only %d bytes long (truncated?)", n, p.size)
	}
	b := make([]byte, n)
	m, err := p.r.ReadAt(b, off)
	if m == n {
		return b, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("vhdx: reading %s at offset %d: %w", what, off, err)
}

func (p *parser) parse() error {
	if p.size < int64(len(fileSignature)) {
		return formatErr(ErrNotVHDX, 0, "file type identifier", "the file is %d bytes, too short for the %q signature", p.size, fileSignature)
	}
	sig, err := p.read(fileIDOffset, len(fileSignature), "file type identifier")
	if err != nil {
		return err
	}
	if !Detect(sig) {
		return formatErr(ErrNotVHDX, 0, "file type identifier", "signature is %q, not %q", sig, fileSignature)
	}
	if p.size < headerSectionSize {
		return formatErr(ErrCorrupt, p.size, "header section", "the file is %d bytes, shorter than the 1 MiB header section (truncated?)", p.size)
	}
	if err := p.parseCreator(); err != nil {
		return err
	}
	if err := p.parseHeaders(); err != nil {
		return err
	}
	if err := p.parseLog(); err != nil {
		return err
	}
	if err := p.parseRegionTables(); err != nil {
		return err
	}
	if err := p.parseMetadata(); err != nil {
		return err
	}
	return p.checkBAT()
}

// parseCreator decodes the creator string. It is diagnostic only, so bad
// UTF-16 is replaced rather than refused.
func (p *parser) parseCreator() error {
	b, err := p.read(fileIDCreatorOff, 2*maxCreatorUnits, "creator")
	if err != nil {
		return err
	}
	u := make([]uint16, 0, maxCreatorUnits)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	p.img.Creator = string(utf16.Decode(u))
	return nil
}
