package vhdx

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// headerProblem returns why the 4 KiB header block b is not valid, or "".
func headerProblem(b []byte) string {
	if string(b[hdrSignatureOff:hdrSignatureOff+4]) != headerSignature {
		return fmt.Sprintf("signature is %q, not %q", b[hdrSignatureOff:hdrSignatureOff+4], headerSignature)
	}
	stored, computed := binary.LittleEndian.Uint32(b[hdrChecksumOff:]), checksum(b, hdrChecksumOff)
	if stored != computed {
		return fmt.Sprintf("CRC-32C is %#08x, computed %#08x", stored, computed)
	}
	if v := binary.LittleEndian.Uint16(b[hdrVersionOff:]); v != headerVersion {
		return fmt.Sprintf("version is %d, not %d", v, headerVersion)
	}
	return ""
}

// parseHeaders picks the active header (MS-VHDX 2.2.2.1): of the copies
// with a valid signature, checksum and version, the one with the larger
// sequence number.
func (p *parser) parseHeaders() error {
	var hdrs [2]Header
	var valid [2]bool
	var raw [2][]byte
	var why [2]string
	for i, off := range [2]int64{header1Offset, header2Offset} {
		b, err := p.read(off, headerSize, fmt.Sprintf("header %d", i+1))
		if err != nil {
			return err
		}
		raw[i] = b
		if why[i] = headerProblem(b); why[i] == "" {
			hdrs[i], valid[i] = decodeHeader(b), true
		}
	}
	active := 0
	switch {
	case !valid[0] && !valid[1]:
		return formatErr(ErrCorrupt, header1Offset, "headers",
			"no valid header: header 1 %s; header 2 %s", why[0], why[1])
	case !valid[0]:
		active = 1
		p.warn("header 1 is invalid (%s); using header 2", why[0])
	case !valid[1]:
		p.warn("header 2 is invalid (%s); using header 1", why[1])
	case hdrs[1].SequenceNumber > hdrs[0].SequenceNumber:
		active = 1
	case hdrs[1].SequenceNumber == hdrs[0].SequenceNumber &&
		!bytes.Equal(raw[0][:hdrUsedBytes], raw[1][:hdrUsedBytes]):
		return formatErr(ErrCorrupt, header2Offset+hdrSequenceOff, "header 2 sequence number",
			"both headers have sequence number %d but differ, so neither can be chosen", hdrs[0].SequenceNumber)
	}
	p.img.Header, p.img.ActiveHeader = hdrs[active], active+1
	return nil
}

// activeHeaderOffset is the file offset of the active header, for errors.
func (p *parser) activeHeaderOffset() int64 {
	if p.img.ActiveHeader == 2 {
		return header2Offset
	}
	return header1Offset
}
