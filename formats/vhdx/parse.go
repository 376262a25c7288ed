package vhdx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"sort"
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

// checkOverlaps refuses regions that overlap each other or the log.
func (p *parser) checkOverlaps(base int64) error {
	type span struct {
		start, end uint64
		name       string
	}
	spans := make([]span, 0, len(p.img.Regions)+1)
	if h := p.img.Header; h.LogLength > 0 {
		spans = append(spans, span{h.LogOffset, h.LogOffset + uint64(h.LogLength), "log"})
	}
	for _, r := range p.img.Regions {
		if r.Length > 0 {
			spans = append(spans, span{r.FileOffset, r.end(), regionName(r) + " region"})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return formatErr(ErrCorrupt, base, "region table",
				"the %s at %d overlaps the %s at %d", spans[i].name, spans[i].start, spans[i-1].name, spans[i-1].start)
		}
	}
	return nil
}

// metaKey identifies a metadata item: user and system items have separate
// namespaces (MS-VHDX 2.6.1.2).
type metaKey struct {
	id     GUID
	isUser bool
}

// systemItem describes a metadata item this package reads.
type systemItem struct {
	name     string
	size     uint32 // bytes read; the item must be at least this long
	required bool   // must be present in every file
}

var systemItems = map[GUID]systemItem{
	fileParamsGUID:    {"file parameters", fileParamsSize, true},
	virtualSizeGUID:   {"virtual disk size", virtualSizeSize, true},
	page83GUID:        {"page 83 data", page83Size, true},
	logicalSectorGUID: {"logical sector size", sectorSizeSize, true},
	physSectorGUID:    {"physical sector size", sectorSizeSize, true},
	parentLocatorGUID: {"parent locator", plHeaderSize, false},
}

// systemItemOrder fixes the order in which missing items are reported.
var systemItemOrder = []GUID{fileParamsGUID, virtualSizeGUID, page83GUID, logicalSectorGUID, physSectorGUID}

// parseMetadata reads the metadata table and the system items.
func (p *parser) parseMetadata() error {
	region := p.img.Metadata
	base := int64(region.FileOffset)
	b, err := p.read(base, metadataTableSize, "metadata table")
	if err != nil {
		return err
	}
	if string(b[mtSignatureOff:mtSignatureOff+8]) != metadataSignature {
		return formatErr(ErrCorrupt, base, "metadata table signature", "%q, not %q", b[mtSignatureOff:mtSignatureOff+8], metadataSignature)
	}
	n := int(binary.LittleEndian.Uint16(b[mtEntryCountOff:]))
	if n > maxMetadataEntries {
		return formatErr(ErrCorrupt, base+mtEntryCountOff, "metadata table entry count", "%d exceeds the maximum of %d", n, maxMetadataEntries)
	}
	found := make(map[GUID]MetadataEntry)
	seen := make(map[metaKey]bool, n)
	for i := range n {
		eoff := mtHeaderSize + i*mtEntrySize
		at := base + int64(eoff)
		field := fmt.Sprintf("metadata table entry %d", i)
		e := decodeMetadataEntry(b[eoff:])
		if err := checkItemBounds(e, region, at, field); err != nil {
			return err
		}
		k := metaKey{e.ItemID, e.IsUser}
		if seen[k] {
			return formatErr(ErrCorrupt, at, field, "item %s appears twice; items must be unique", e.ItemID)
		}
		seen[k] = true
		p.img.MetadataEntries = append(p.img.MetadataEntries, e)
		if item, known := systemItems[e.ItemID]; known && !e.IsUser {
			if e.Length < item.size {
				return formatErr(ErrCorrupt, at+mteLengthOff, field+" length",
					"the %s item is %d bytes, shorter than its %d bytes", item.name, e.Length, item.size)
			}
			found[e.ItemID] = e
			continue
		}
		if e.IsRequired {
			return formatErr(ErrUnsupported, at, field,
				"item %s is marked required but is not one this reader knows, so the file must not be opened", e.ItemID)
		}
	}
	for _, id := range systemItemOrder {
		if _, ok := found[id]; !ok {
			return formatErr(ErrCorrupt, base+mtEntryCountOff, "metadata table",
				"the required %s item is missing", systemItems[id].name)
		}
	}
	return p.readItems(found)
}

// checkItemBounds checks that an item lies inside the metadata region,
// after the table, and is no longer than the specification allows.
func checkItemBounds(e MetadataEntry, region Region, at int64, field string) error {
	switch {
	case e.Length == 0:
		if e.Offset != 0 {
			return formatErr(ErrCorrupt, at+mteOffsetOff, field+" offset", "%d with length 0; an empty item must have offset 0", e.Offset)
		}
	case e.Length > maxMetadataItemLength:
		return formatErr(ErrCorrupt, at+mteLengthOff, field+" length", "%d exceeds the maximum of %d", e.Length, maxMetadataItemLength)
	case e.Offset < minMetadataItemOffset:
		return formatErr(ErrCorrupt, at+mteOffsetOff, field+" offset", "%d lies inside the 64 KiB metadata table", e.Offset)
	case uint64(e.Offset)+uint64(e.Length) > uint64(region.Length):
		return formatErr(ErrCorrupt, at+mteOffsetOff, field+" offset",
			"the item (%d bytes at %d) extends beyond the %d-byte metadata region", e.Length, e.Offset, region.Length)
	}
	return nil
}

// readItems reads and checks the system metadata items.
func (p *parser) readItems(found map[GUID]MetadataEntry) error {
	base := int64(p.img.Metadata.FileOffset)
	item := func(id GUID) ([]byte, int64, error) {
		e := found[id]
		off := base + int64(e.Offset)
		b, err := p.read(off, int(systemItems[id].size), systemItems[id].name)
		return b, off, err
	}
	img := p.img

	b, off, err := item(fileParamsGUID)
	if err != nil {
		return err
	}
	img.BlockSize = binary.LittleEndian.Uint32(b[fpBlockSizeOff:])
	flags := binary.LittleEndian.Uint32(b[fpFlagsOff:])
	img.LeaveBlocksAllocated = flags&fpLeaveBlocksAllocated != 0
	img.HasParent = flags&fpHasParent != 0
	if bs := img.BlockSize; bs < specMinBlockSize || bs > specMaxBlockSize || bits.OnesCount32(bs) != 1 {
		return formatErr(ErrCorrupt, off+fpBlockSizeOff, "file parameters block size",
			"%d is not a power of two from 1 MiB to 256 MiB", bs)
	}

	if b, off, err = item(logicalSectorGUID); err != nil {
		return err
	}
	if img.LogicalSectorSize = binary.LittleEndian.Uint32(b); img.LogicalSectorSize != 512 && img.LogicalSectorSize != 4096 {
		return formatErr(ErrCorrupt, off, "logical sector size", "%d is neither 512 nor 4096", img.LogicalSectorSize)
	}
	if b, off, err = item(physSectorGUID); err != nil {
		return err
	}
	if img.PhysicalSectorSize = binary.LittleEndian.Uint32(b); img.PhysicalSectorSize != 512 && img.PhysicalSectorSize != 4096 {
		return formatErr(ErrCorrupt, off, "physical sector size", "%d is neither 512 nor 4096", img.PhysicalSectorSize)
	}

	if b, off, err = item(virtualSizeGUID); err != nil {
		return err
	}
	img.VirtualSize = binary.LittleEndian.Uint64(b)
	if img.VirtualSize > specMaxVirtualSize {
		return formatErr(ErrCorrupt, off, "virtual disk size", "%d exceeds the 64 TiB maximum", img.VirtualSize)
	}
	if img.VirtualSize%uint64(img.LogicalSectorSize) != 0 {
		return formatErr(ErrCorrupt, off, "virtual disk size", "%d is not a multiple of the %d-byte logical sector", img.VirtualSize, img.LogicalSectorSize)
	}

	if b, _, err = item(page83GUID); err != nil {
		return err
	}
	copy(img.DiskID[:], b)

	e, hasLocator := found[parentLocatorGUID]
	switch {
	case img.HasParent && !hasLocator:
		return formatErr(ErrCorrupt, base+mtEntryCountOff, "metadata table",
			"the file parameters say the disk has a parent but there is no parent locator item")
	case img.HasParent:
		off := base + int64(e.Offset)
		b, err := p.read(off, int(e.Length), "parent locator") // Length ≤ 1 MiB, checked
		if err != nil {
			return err
		}
		if img.Parent, err = decodeParentLocator(b, off); err != nil {
			return err
		}
		if _, ok := img.Parent.Lookup(KeyParentLinkage); !ok {
			return formatErr(ErrCorrupt, off, "parent locator", "there is no %s entry, which the specification requires", KeyParentLinkage)
		}
	case hasLocator:
		p.warn("a parent locator item is present but the file parameters say the disk has no parent; ignoring it")
	}
	return nil
}

// checkBAT checks that the BAT region holds every entry the virtual size
// needs. The entries themselves are not read.
func (p *parser) checkBAT() error {
	img := p.img
	img.BATEntries = batEntries(img.VirtualSize, img.BlockSize, img.LogicalSectorSize, img.HasParent)
	if need := img.BATEntries * batEntrySize; need > uint64(img.BAT.Length) {
		return formatErr(ErrCorrupt, int64(img.BAT.FileOffset), "BAT region",
			"%d bytes hold fewer than the %d entries a %d-byte disk with %d-byte blocks needs",
			img.BAT.Length, img.BATEntries, img.VirtualSize, img.BlockSize)
	}
	return nil
}
