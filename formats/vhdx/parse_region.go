package vhdx

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// regionTableProblem returns why the 64 KiB region table block b is not
// valid, or "".
func regionTableProblem(b []byte) string {
	if string(b[rtSignatureOff:rtSignatureOff+4]) != regionSignature {
		return fmt.Sprintf("signature is %q, not %q", b[rtSignatureOff:rtSignatureOff+4], regionSignature)
	}
	stored, computed := binary.LittleEndian.Uint32(b[rtChecksumOff:]), checksum(b, rtChecksumOff)
	if stored != computed {
		return fmt.Sprintf("CRC-32C is %#08x, computed %#08x", stored, computed)
	}
	if n := binary.LittleEndian.Uint32(b[rtEntryCountOff:]); n > maxRegionEntries {
		return fmt.Sprintf("entry count %d exceeds the maximum of %d", n, maxRegionEntries)
	}
	return ""
}

// parseRegionTables reads both region table copies, uses the first valid
// one, and checks every entry against the file and the other regions.
func (p *parser) parseRegionTables() error {
	var raw [2][]byte
	var why [2]string
	for i, off := range [2]int64{regionTable1Offset, regionTable2Offset} {
		b, err := p.read(off, regionTableSize, fmt.Sprintf("region table %d", i+1))
		if err != nil {
			return err
		}
		raw[i], why[i] = b, regionTableProblem(b)
	}
	use := 0
	switch {
	case why[0] != "" && why[1] != "":
		return formatErr(ErrCorrupt, regionTable1Offset, "region tables",
			"no valid region table: region table 1 %s; region table 2 %s", why[0], why[1])
	case why[0] != "":
		use = 1
		p.warn("region table 1 is invalid (%s); using region table 2", why[0])
	case why[1] != "":
		p.warn("region table 2 is invalid (%s); using region table 1", why[1])
	case !bytes.Equal(raw[0], raw[1]):
		p.warn("the two region tables differ; using region table 1")
	}
	b := raw[use]
	base := int64(regionTable1Offset + use*(regionTable2Offset-regionTable1Offset))
	n := int(binary.LittleEndian.Uint32(b[rtEntryCountOff:])) // ≤ maxRegionEntries, checked above
	var haveBAT, haveMeta bool
	for i := range n {
		eoff := rtHeaderSize + i*rtEntrySize
		at := base + int64(eoff)
		field := fmt.Sprintf("region table entry %d", i)
		r := decodeRegion(b[eoff:])
		if err := p.checkRegion(r, at, field); err != nil {
			return err
		}
		switch {
		case r.IsBAT():
			if haveBAT {
				return formatErr(ErrCorrupt, at, field, "a second BAT region; there must be exactly one")
			}
			haveBAT, p.img.BAT = true, r
		case r.IsMetadata():
			if haveMeta {
				return formatErr(ErrCorrupt, at, field, "a second metadata region; there must be exactly one")
			}
			haveMeta, p.img.Metadata = true, r
		case r.Required:
			return formatErr(ErrUnsupported, at, field,
				"region %s is marked required but is not one this reader knows, so the file must not be opened", r.GUID)
		}
		p.img.Regions = append(p.img.Regions, r)
	}
	if !haveBAT {
		return formatErr(ErrCorrupt, base+rtEntryCountOff, "region table", "no BAT region")
	}
	if !haveMeta {
		return formatErr(ErrCorrupt, base+rtEntryCountOff, "region table", "no metadata region")
	}
	return p.checkOverlaps(base)
}

// checkRegion checks one region's alignment and that it lies in the file.
func (p *parser) checkRegion(r Region, at int64, field string) error {
	switch {
	case r.FileOffset%regionAlignment != 0 || r.FileOffset < minRegionFileOffset:
		return formatErr(ErrCorrupt, at+rteFileOffsetOff, field+" file offset",
			"%d is not a multiple of 1 MiB beyond the header section", r.FileOffset)
	case r.Length == 0 && (r.IsBAT() || r.IsMetadata()):
		return formatErr(ErrCorrupt, at+rteLengthOff, field+" length", "the %s region is 0 bytes long", regionName(r))
	case r.Length%regionAlignment != 0:
		return formatErr(ErrCorrupt, at+rteLengthOff, field+" length", "%d is not a multiple of 1 MiB", r.Length)
	case r.FileOffset > uint64(p.size) || uint64(r.Length) > uint64(p.size)-r.FileOffset:
		return formatErr(ErrCorrupt, at+rteFileOffsetOff, field+" file offset",
			"the %s region (%d bytes at %d) extends beyond the end of the %d-byte file (truncated?)",
			regionName(r), r.Length, r.FileOffset, p.size)
	}
	return nil
}

func regionName(r Region) string {
	switch {
	case r.IsBAT():
		return "BAT"
	case r.IsMetadata():
		return "metadata"
	}
	return r.GUID.String()
}

// checkOverlaps refuses regions that overlap each other, the log or the
// header section.
func (p *parser) checkOverlaps(base int64) error {
	spans := p.img.usedSpans()
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return formatErr(ErrCorrupt, base, "region table",
				"the %s at %d overlaps the %s at %d", spans[i].name, spans[i].start, spans[i-1].name, spans[i-1].start)
		}
	}
	return nil
}
