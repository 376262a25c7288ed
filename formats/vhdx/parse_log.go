package vhdx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// parseLog checks where the log lies and whether it is empty
// (MS-VHDX 2.3). A non-empty log is reported, never replayed.
func (p *parser) parseLog() error {
	h := p.img.Header
	base := p.activeHeaderOffset()
	p.img.LogNeedsReplay = !h.LogGUID.IsZero()
	if h.LogLength == 0 {
		if !h.LogGUID.IsZero() {
			return formatErr(ErrCorrupt, base+hdrLogLengthOff, "header log length", "the log GUID is set but the log is 0 bytes long")
		}
		return nil
	}
	if h.LogLength%mib != 0 {
		return formatErr(ErrCorrupt, base+hdrLogLengthOff, "header log length", "%d is not a multiple of 1 MiB", h.LogLength)
	}
	if h.LogOffset%mib != 0 || h.LogOffset < headerSectionSize {
		return formatErr(ErrCorrupt, base+hdrLogOffsetOff, "header log offset", "%d is not a multiple of 1 MiB beyond the header section", h.LogOffset)
	}
	if h.LogOffset > uint64(p.size) || uint64(h.LogLength) > uint64(p.size)-h.LogOffset {
		return formatErr(ErrCorrupt, base+hdrLogOffsetOff, "header log offset",
			"the log (%d bytes at %d) extends beyond the end of the %d-byte file", h.LogLength, h.LogOffset, p.size)
	}
	if h.LogGUID.IsZero() {
		return nil
	}
	if h.LogVersion != logVersion {
		return formatErr(ErrUnsupported, base+hdrLogVersionOff, "header log version", "log version %d is not %d", h.LogVersion, logVersion)
	}
	found, err := p.findLogEntry()
	switch {
	case err != nil:
		return err
	case found:
	case h.LogLength > logScanLimit:
		p.warn("the log GUID is set and the %d-byte log is longer than the %d bytes scanned for entries; assuming it needs replay", h.LogLength, logScanLimit)
	default:
		p.img.LogNeedsReplay = false
		p.warn("the log GUID is set but no log entry carries it; the log is empty, as qemu also concludes")
	}
	return nil
}

// findLogEntry reports whether any 4 KiB sector of the log starts a log
// entry header that carries the active header's LogGUID: an entry of the
// current log that a writer must replay. Entry checksums are not checked.
// The log is read a chunk at a time and at most logScanLimit of it, so
// memory and time stay bounded whatever length it claims.
func (p *parser) findLogEntry() (bool, error) {
	h := p.img.Header
	scan := min(uint64(h.LogLength), logScanLimit)
	buf := make([]byte, min(logScanChunk, scan))
	for done := uint64(0); done < scan; done += uint64(len(buf)) {
		off := int64(h.LogOffset + done)
		n, err := p.r.ReadAt(buf, off)
		if n < len(buf) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return false, fmt.Errorf("vhdx: reading the log at offset %d: %w", off, err)
		}
		for s := 0; s+logEntryHdrUsed <= len(buf); s += logSectorSize {
			e := buf[s:]
			length := binary.LittleEndian.Uint32(e[logEntryLengthOff:])
			if string(e[logEntrySigOff:logEntrySigOff+4]) == logEntrySignature &&
				bytes.Equal(e[logEntryGUIDOff:logEntryGUIDOff+16], h.LogGUID[:]) &&
				length >= logSectorSize && length%logSectorSize == 0 && length <= h.LogLength {
				return true, nil
			}
		}
	}
	return false, nil
}
