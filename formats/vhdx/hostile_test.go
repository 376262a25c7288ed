package vhdx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// fixedIdentity makes planned test images reproducible.
func fixedIdentity(o Options) Options {
	o.FileWriteGUID = mustGUID("11111111-2222-3333-4444-555555555555")
	o.DataWriteGUID = mustGUID("66666666-7777-8888-9999-aaaaaaaaaaaa")
	o.DiskID = mustGUID("bbbbbbbb-cccc-dddd-eeee-ffffffffffff")
	o.SequenceNumber = 41
	return o
}

// planBytes returns the whole planned file.
func planBytes(t testing.TB, o Options) []byte {
	t.Helper()
	p, err := PlanImage(fixedIdentity(o))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, p.Size)
	if _, err := p.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// Offsets in the 16 MiB base image (1 MiB log at 1 MiB, 1 MiB BAT at
// 2 MiB, metadata at 3 MiB), taken from the layout rather than assumed.
const (
	baseBAT  = 2 * mib
	baseMeta = 3 * mib
)

func metaEntry(i int) int { return baseMeta + mtHeaderSize + i*mtEntrySize }

func setHeaderCRC(b []byte, off int) {
	binary.LittleEndian.PutUint32(b[off+hdrChecksumOff:], checksum(b[off:off+headerSize], hdrChecksumOff))
}

func setRegionCRC(b []byte) {
	for _, off := range []int{regionTable1Offset, regionTable2Offset} {
		binary.LittleEndian.PutUint32(b[off+rtChecksumOff:], checksum(b[off:off+regionTableSize], rtChecksumOff))
	}
}

// bothRegionTables applies f to both region table copies and fixes their
// checksums, so only the change under test is wrong.
func bothRegionTables(b []byte, f func(rt []byte)) {
	f(b[regionTable1Offset:])
	f(b[regionTable2Offset:])
	setRegionCRC(b)
}

// sparseReader serves data and then zeros up to a claimed size, to show
// that nothing Parse allocates grows with what the file claims.
type sparseReader struct{ data []byte }

func (s sparseReader) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	if off < int64(len(s.data)) {
		copy(p, s.data[off:])
	}
	return len(p), nil
}

func TestParseHostile(t *testing.T) {
	base := planBytes(t, Options{Size: 16 << 20})
	if img, err := Parse(bytes.NewReader(base), int64(len(base))); err != nil || img.BATEntries != 2 || img.Metadata.FileOffset != baseMeta || img.BAT.FileOffset != baseBAT {
		t.Fatalf("base image: %v %+v", err, img)
	}
	le32 := binary.LittleEndian.PutUint32
	le16 := binary.LittleEndian.PutUint16
	le64 := binary.LittleEndian.PutUint64
	cases := []struct {
		name   string
		mutate func(b []byte) []byte
		want   error  // nil: Parse succeeds
		field  string // part of the error's Field, or of a warning
	}{
		{"not vhdx", func(b []byte) []byte { copy(b, "conectix"); return b }, ErrNotVHDX, "file type identifier"},
		{"empty", func(b []byte) []byte { return nil }, ErrNotVHDX, "file type identifier"},
		{"truncated header section", func(b []byte) []byte { return b[:300*kib] }, ErrCorrupt, "header section"},
		{"header 1 bad CRC", func(b []byte) []byte { b[header1Offset+100]++; return b }, nil, "header 1 is invalid"},
		{"header 2 bad CRC", func(b []byte) []byte { b[header2Offset+100]++; return b }, nil, "header 2 is invalid"},
		{"both headers bad CRC", func(b []byte) []byte { b[header1Offset+100]++; b[header2Offset+4]++; return b }, ErrCorrupt, "headers"},
		{"header version 2", func(b []byte) []byte {
			for _, off := range []int{header1Offset, header2Offset} {
				le16(b[off+hdrVersionOff:], 2)
				setHeaderCRC(b, off)
			}
			return b
		}, ErrCorrupt, "headers"},
		{"equal sequence numbers, different headers", func(b []byte) []byte {
			le64(b[header2Offset+hdrSequenceOff:], 41)
			b[header2Offset+hdrFileWriteGUIDOff]++
			setHeaderCRC(b, header2Offset)
			return b
		}, ErrCorrupt, "sequence number"},
		{"log GUID set, no entry", func(b []byte) []byte {
			b[header2Offset+hdrLogGUIDOff] = 1
			setHeaderCRC(b, header2Offset)
			return b
		}, nil, "no log entry carries it"},
		{"log not empty", func(b []byte) []byte {
			b[header2Offset+hdrLogGUIDOff] = 1
			setHeaderCRC(b, header2Offset)
			e := b[1*mib+3*logSectorSize:]
			copy(e, logEntrySignature)
			le32(e[logEntryLengthOff:], logSectorSize)
			e[logEntryGUIDOff] = 1
			return b
		}, nil, ""},
		{"huge log GUID set, no entry", func(b []byte) []byte {
			b[header2Offset+hdrLogGUIDOff] = 1
			le32(b[header2Offset+hdrLogLengthOff:], 64*mib)
			le64(b[header2Offset+hdrLogOffsetOff:], 8*mib) // the file is grown below
			setHeaderCRC(b, header2Offset)
			return append(b, make([]byte, 64*mib)...)
		}, nil, "assuming it needs replay"},
		{"log version 1", func(b []byte) []byte {
			b[header2Offset+hdrLogGUIDOff] = 1
			le16(b[header2Offset+hdrLogVersionOff:], 1)
			setHeaderCRC(b, header2Offset)
			return b
		}, ErrUnsupported, "log version"},
		{"log GUID set, log length 0", func(b []byte) []byte {
			b[header2Offset+hdrLogGUIDOff] = 1
			le32(b[header2Offset+hdrLogLengthOff:], 0)
			setHeaderCRC(b, header2Offset)
			return b
		}, ErrCorrupt, "log length"},
		{"log beyond the file", func(b []byte) []byte {
			le64(b[header2Offset+hdrLogOffsetOff:], 1<<40)
			setHeaderCRC(b, header2Offset)
			return b
		}, ErrCorrupt, "log offset"},
		{"region table 1 bad CRC", func(b []byte) []byte { b[regionTable1Offset+1000]++; return b }, nil, "region table 1 is invalid"},
		{"both region tables bad CRC", func(b []byte) []byte { b[regionTable1Offset+1000]++; b[regionTable2Offset+4]++; return b }, ErrCorrupt, "region tables"},
		{"region entry count 2^32-1", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { le32(rt[rtEntryCountOff:], 1<<32-1) })
			return b
		}, ErrCorrupt, "region tables"},
		{"metadata region beyond the file", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { le64(rt[rtHeaderSize+rtEntrySize+rteFileOffsetOff:], 1<<50) })
			return b
		}, ErrCorrupt, "region table entry 1 file offset"},
		{"metadata region offset overflows", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { le64(rt[rtHeaderSize+rtEntrySize+rteFileOffsetOff:], 1<<64-mib) })
			return b
		}, ErrCorrupt, "region table entry 1 file offset"},
		{"metadata region length 0", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { le32(rt[rtHeaderSize+rtEntrySize+rteLengthOff:], 0) })
			return b
		}, ErrCorrupt, "region table entry 1 length"},
		{"metadata region misaligned", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { le64(rt[rtHeaderSize+rtEntrySize+rteFileOffsetOff:], baseMeta+512) })
			return b
		}, ErrCorrupt, "region table entry 1 file offset"},
		{"BAT and metadata overlap", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { le32(rt[rtHeaderSize+rteLengthOff:], 2*mib) })
			return b
		}, ErrCorrupt, "region table"},
		{"BAT overlaps the log", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { le64(rt[rtHeaderSize+rteFileOffsetOff:], 1*mib) })
			return b
		}, ErrCorrupt, "region table"},
		{"two BAT regions", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) { copy(rt[rtHeaderSize+rtEntrySize:], batRegionGUID[:]) })
			return b
		}, ErrCorrupt, "region table entry 1"},
		{"unknown required region", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) {
				le32(rt[rtEntryCountOff:], 3)
				e := rt[rtHeaderSize+2*rtEntrySize:]
				copy(e, "unknown region!!")
				le64(e[rteFileOffsetOff:], 4*mib)
				le32(e[rteLengthOff:], mib)
				le32(e[rteRequiredOff:], 1)
			})
			return b
		}, ErrUnsupported, "region table entry 2"},
		{"unknown optional region", func(b []byte) []byte {
			bothRegionTables(b, func(rt []byte) {
				le32(rt[rtEntryCountOff:], 3)
				e := rt[rtHeaderSize+2*rtEntrySize:]
				copy(e, "unknown region!!")
				le64(e[rteFileOffsetOff:], 4*mib)
				le32(e[rteLengthOff:], mib)
			})
			return b
		}, nil, ""},
		{"metadata signature", func(b []byte) []byte { b[baseMeta]++; return b }, ErrCorrupt, "metadata table signature"},
		{"metadata entry count 65535", func(b []byte) []byte { le16(b[baseMeta+mtEntryCountOff:], 65535); return b }, ErrCorrupt, "entry count"},
		{"item offset overflows", func(b []byte) []byte {
			le32(b[metaEntry(1)+mteOffsetOff:], 1<<32-4)
			le32(b[metaEntry(1)+mteLengthOff:], 8)
			return b
		}, ErrCorrupt, "metadata table entry 1 offset"},
		{"item beyond the region", func(b []byte) []byte { le32(b[metaEntry(1)+mteOffsetOff:], mib-4); return b }, ErrCorrupt, "metadata table entry 1 offset"},
		{"item inside the table", func(b []byte) []byte { le32(b[metaEntry(1)+mteOffsetOff:], 32); return b }, ErrCorrupt, "metadata table entry 1 offset"},
		{"item too long", func(b []byte) []byte { le32(b[metaEntry(1)+mteLengthOff:], 1<<32-1); return b }, ErrCorrupt, "metadata table entry 1 length"},
		{"item too short", func(b []byte) []byte { le32(b[metaEntry(1)+mteLengthOff:], 4); return b }, ErrCorrupt, "metadata table entry 1 length"},
		{"duplicate item", func(b []byte) []byte { copy(b[metaEntry(1):], b[metaEntry(0):metaEntry(0)+16]); return b }, ErrCorrupt, "metadata table entry 1"},
		{"missing required item", func(b []byte) []byte { le16(b[baseMeta+mtEntryCountOff:], 4); return b }, ErrCorrupt, "metadata table"},
		{"unknown required item", func(b []byte) []byte { b[metaEntry(2)]++; return b }, ErrUnsupported, "metadata table entry 2"},
		{"unknown optional item", func(b []byte) []byte {
			le16(b[baseMeta+mtEntryCountOff:], 6)
			copy(b[metaEntry(5):], "a user item.....")
			le32(b[metaEntry(5)+mteOffsetOff:], 128*kib)
			le32(b[metaEntry(5)+mteLengthOff:], 10)
			le32(b[metaEntry(5)+mteFlagsOff:], metaIsUser)
			return b
		}, nil, ""},
		{"block size 0", func(b []byte) []byte { le32(b[baseMeta+64*kib+fpBlockSizeOff:], 0); return b }, ErrCorrupt, "block size"},
		{"block size 3 MiB", func(b []byte) []byte { le32(b[baseMeta+64*kib+fpBlockSizeOff:], 3*mib); return b }, ErrCorrupt, "block size"},
		{"block size 512 MiB", func(b []byte) []byte { le32(b[baseMeta+64*kib+fpBlockSizeOff:], 512*mib); return b }, ErrCorrupt, "block size"},
		{"virtual size beyond 64 TiB", func(b []byte) []byte { le64(b[baseMeta+64*kib+8:], 1<<63); return b }, ErrCorrupt, "virtual disk size"},
		{"virtual size not a sector multiple", func(b []byte) []byte { le64(b[baseMeta+64*kib+8:], 1000); return b }, ErrCorrupt, "virtual disk size"},
		{"BAT too small for the virtual size", func(b []byte) []byte { le64(b[baseMeta+64*kib+8:], 64<<40); return b }, ErrCorrupt, "BAT region"},
		{"logical sector size 1000", func(b []byte) []byte { le32(b[baseMeta+64*kib+32:], 1000); return b }, ErrCorrupt, "logical sector size"},
		{"physical sector size 0", func(b []byte) []byte { le32(b[baseMeta+64*kib+36:], 0); return b }, ErrCorrupt, "physical sector size"},
		{"has parent without locator", func(b []byte) []byte { le32(b[baseMeta+64*kib+fpFlagsOff:], fpHasParent); return b }, ErrCorrupt, "metadata table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.mutate(bytes.Clone(base))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, err := Parse(bytes.NewReader(b), int64(len(b)))
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*mib {
				t.Errorf("Parse allocated %d bytes", alloc)
			}
			if c.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if c.field != "" && !strings.Contains(strings.Join(img.Warnings, "\n"), c.field) {
					t.Errorf("warnings %q do not mention %q", img.Warnings, c.field)
				}
				if img.Info().NeedsLogReplay != (c.name == "log not empty" || strings.HasPrefix(c.name, "huge log")) {
					t.Errorf("NeedsLogReplay is %v", img.Info().NeedsLogReplay)
				}
				if img.VirtualSize != 16<<20 {
					t.Errorf("VirtualSize %d", img.VirtualSize)
				}
				return
			}
			t.Log(err)
			var fe *FormatError
			if !errors.Is(err, c.want) || !errors.As(err, &fe) {
				t.Fatalf("Parse error %v, want a *FormatError wrapping %v", err, c.want)
			}
			if !strings.Contains(fe.Field, c.field) {
				t.Errorf("error field %q does not mention %q (%v)", fe.Field, c.field, err)
			}
		})
	}
}

// TestParseClaimedHugeFile gives Parse a 2^62-byte file whose regions claim
// the largest lengths the fields allow; memory stays bounded.
func TestParseClaimedHugeFile(t *testing.T) {
	b := planBytes(t, Options{Size: 16 << 20})
	bothRegionTables(b, func(rt []byte) {
		binary.LittleEndian.PutUint32(rt[rtHeaderSize+rteLengthOff:], 1<<32-mib)
		binary.LittleEndian.PutUint64(rt[rtHeaderSize+rtEntrySize+rteFileOffsetOff:], 1<<61)
		binary.LittleEndian.PutUint32(rt[rtHeaderSize+rtEntrySize+rteLengthOff:], 1<<32-mib)
	})
	copy(b[baseMeta:], make([]byte, mib)) // the metadata now lives at 2^61 (zeros there)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse(sparseReader{b}, 1<<62)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "metadata table signature") {
		t.Fatalf("Parse: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*mib {
		t.Errorf("Parse allocated %d bytes", alloc)
	}
}
