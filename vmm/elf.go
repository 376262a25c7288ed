package vmm

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// ELF-64 header and program-header offsets (System V gABI, "ELF Header" and
// "Program Header" tables; the x86-64 psABI for the machine number).
const (
	elfHeaderSize  = 64
	elfOffType     = 16 // e_type, uint16
	elfOffMachine  = 18 // e_machine, uint16
	elfOffEntry    = 24 // e_entry, uint64
	elfOffPhoff    = 32 // e_phoff, uint64
	elfOffPhentsz  = 54 // e_phentsize, uint16
	elfOffPhnum    = 56 // e_phnum, uint16
	phdrSize       = 56
	phOffType      = 0  // p_type, uint32
	phOffFlags     = 4  // p_flags, uint32
	phOffOffset    = 8  // p_offset, uint64
	phOffVaddr     = 16 // p_vaddr, uint64
	phOffFilesz    = 32 // p_filesz, uint64
	phOffMemsz     = 40 // p_memsz, uint64
	etExec         = 2
	emX86_64       = 62
	ptLoad         = 1
	ptDynamic      = 2
	ptInterp       = 3
	ptPhdr         = 6
	pfX            = 1
	pfW            = 2
	maxPhnum       = 64
	maxSegmentSize = 1 << 30
)

// segment is one PT_LOAD program header.
type segment struct {
	off, vaddr, filesz, memsz uint64
	flags                     uint32
}

// executable is what loading needs from a parsed ELF file.
type executable struct {
	entry        uint64
	phdr         uint64 // guest address of the program headers (AT_PHDR)
	phnum        uint64
	segments     []segment
	lowest, high uint64 // page-aligned bounds of all segments
	// data holds the file bytes of the writable segments, kept (by
	// keepData) for a run that takes a snapshot, which saves only the
	// pages the guest changed.
	data []initialData
}

// initialData is one writable segment's file bytes, at guest address vaddr.
type initialData struct {
	vaddr uint64
	bytes []byte
}

// notStatic wraps ErrNotStaticELF with what was wrong.
func notStatic(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotStaticELF, fmt.Sprintf(format, args...))
}

// checkELFIdent checks that the header at the start of b is a 64-bit
// little-endian ELF header, as everything reading these files assumes.
func checkELFIdent(b []byte) error {
	if len(b) < elfHeaderSize || string(b[:4]) != "\x7fELF" {
		return notStatic("no ELF magic")
	}
	if b[4] != 2 || b[5] != 1 {
		return notStatic("not a 64-bit little-endian ELF (class %d, data %d)", b[4], b[5])
	}
	return nil
}

// parseELF checks that b is a static, non-PIE linux/amd64 executable whose
// segments fit the guest's address space, and returns its layout.
func parseELF(b []byte) (*executable, error) {
	if err := checkELFIdent(b); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	if m := le.Uint16(b[elfOffMachine:]); m != emX86_64 {
		return nil, notStatic("machine %d, want x86-64 (%d); build with GOARCH=amd64", m, emX86_64)
	}
	if t := le.Uint16(b[elfOffType:]); t != etExec {
		return nil, notStatic("ELF type %d, want ET_EXEC (%d); build with CGO_ENABLED=0 and without -buildmode=pie", t, etExec)
	}
	phoff, phnum := le.Uint64(b[elfOffPhoff:]), uint64(le.Uint16(b[elfOffPhnum:]))
	if le.Uint16(b[elfOffPhentsz:]) != phdrSize || phnum == 0 || phnum > maxPhnum {
		return nil, notStatic("program header table: entry size %d, count %d", le.Uint16(b[elfOffPhentsz:]), phnum)
	}
	if phoff > uint64(len(b)) || phnum*phdrSize > uint64(len(b))-phoff {
		return nil, notStatic("program headers at offset %d run past the end of the %d-byte file", phoff, len(b))
	}
	x := &executable{entry: le.Uint64(b[elfOffEntry:]), phnum: phnum, lowest: userMax}
	var phdrVaddr uint64
	for i := uint64(0); i < phnum; i++ {
		ph := b[phoff+i*phdrSize:][:phdrSize]
		switch le.Uint32(ph[phOffType:]) {
		case ptInterp, ptDynamic:
			return nil, notStatic("program header %d asks for a dynamic loader; build with CGO_ENABLED=0", i)
		case ptPhdr:
			phdrVaddr = le.Uint64(ph[phOffVaddr:])
		case ptLoad:
			s := segment{
				off: le.Uint64(ph[phOffOffset:]), vaddr: le.Uint64(ph[phOffVaddr:]),
				filesz: le.Uint64(ph[phOffFilesz:]), memsz: le.Uint64(ph[phOffMemsz:]),
				flags: le.Uint32(ph[phOffFlags:]),
			}
			if err := x.addSegment(s, uint64(len(b))); err != nil {
				return nil, notStatic("program header %d: %v", i, err)
			}
		}
	}
	if len(x.segments) == 0 {
		return nil, notStatic("no loadable segment")
	}
	if !x.contains(x.entry) {
		return nil, notStatic("entry point %#x is outside every segment", x.entry)
	}
	x.phdr = phdrVaddr
	if x.phdr == 0 {
		// Without PT_PHDR, the headers are where the segment that maps
		// file offset 0 puts them.
		for _, s := range x.segments {
			if s.off == 0 && phoff < s.filesz {
				x.phdr = s.vaddr + phoff
			}
		}
	}
	return x, nil
}

// addSegment validates s against the file size and the segments so far.
func (x *executable) addSegment(s segment, fileSize uint64) error {
	switch {
	case s.memsz == 0:
		return nil
	case s.filesz > s.memsz || s.memsz > maxSegmentSize:
		return fmt.Errorf("file size %d, memory size %d (at most %d)", s.filesz, s.memsz, maxSegmentSize)
	case s.off > fileSize || s.filesz > fileSize-s.off:
		return fmt.Errorf("bytes [%d, +%d) run past the end of the %d-byte file", s.off, s.filesz, fileSize)
	case s.vaddr%pageSize != s.off%pageSize:
		return fmt.Errorf("address %#x and offset %#x disagree modulo the page size", s.vaddr, s.off)
	case s.vaddr < userMin || s.vaddr >= mmapBase || s.memsz > mmapBase-s.vaddr:
		return fmt.Errorf("address range [%#x, +%#x) is outside [%#x, %#x)", s.vaddr, s.memsz, uint64(userMin), uint64(mmapBase))
	}
	lo, hi := s.vaddr&^(pageSize-1), (s.vaddr+s.memsz+pageSize-1)&^(pageSize-1)
	for _, o := range x.segments {
		olo, ohi := o.vaddr&^(pageSize-1), (o.vaddr+o.memsz+pageSize-1)&^(pageSize-1)
		if lo < ohi && olo < hi {
			return fmt.Errorf("pages [%#x, %#x) overlap another segment's", lo, hi)
		}
	}
	x.segments = append(x.segments, s)
	x.lowest, x.high = min(x.lowest, lo), max(x.high, hi)
	return nil
}

// contains reports whether va is inside a segment's file-backed bytes.
func (x *executable) contains(va uint64) bool {
	for _, s := range x.segments {
		if va >= s.vaddr && va-s.vaddr < s.filesz && s.flags&pfX != 0 {
			return true
		}
	}
	return false
}

// imageBase and imageSize give the 2 MiB-aligned range of guest addresses
// the executable's image covers.
func (x *executable) imageBase() uint64 { return x.lowest &^ (hugeSize - 1) }
func (x *executable) imageSize() uint64 {
	return (x.high+hugeSize-1)&^(hugeSize-1) - x.imageBase()
}

// buildImage lays the segments of file out in image as they sit in guest
// memory (image[0] is at imageBase); bss and gaps stay zero.
func (x *executable) buildImage(image, file []byte) {
	base := x.imageBase()
	for _, s := range x.segments {
		copy(image[s.vaddr-base:], file[s.off:s.off+s.filesz])
	}
}

// keepData keeps a copy of the writable segments' file bytes for
// initialPage.
func (x *executable) keepData(file []byte) {
	for _, s := range x.segments {
		if s.flags&pfW != 0 {
			x.data = append(x.data, initialData{s.vaddr, bytes.Clone(file[s.off : s.off+s.filesz])})
		}
	}
}

// initialPage fills p (one page) with what the image page at offset off
// held when buildImage laid it out, for a page of a writable segment: its
// file bytes (kept by keepData) and zeros.
func (x *executable) initialPage(off uint64, p []byte) {
	clear(p)
	va := x.imageBase() + off
	for _, d := range x.data {
		lo, hi := max(va, d.vaddr), min(va+pageSize, d.vaddr+uint64(len(d.bytes)))
		if lo < hi {
			copy(p[lo-va:hi-va], d.bytes[lo-d.vaddr:hi-d.vaddr])
		}
	}
}

// load maps the executable's image (the imagePhys slot) at its addresses
// with 2 MiB pages: one host huge page and one KVM mapping each, instead
// of a shadow-paging fault per 4 KiB page the guest touches. The pages are
// writable and executable for the guest; the host never relies on the
// guest's own page protections.
func (x *executable) load(mem *memory) error {
	base := x.imageBase()
	for off := uint64(0); off < x.imageSize(); off += hugeSize {
		if err := mem.map2M(base+off, imagePhys+off, pteWrite|pteUser); err != nil {
			return err
		}
	}
	for _, s := range x.segments {
		mem.maps.set(s.vaddr&^(pageSize-1), (s.vaddr+s.memsz+pageSize-1)&^(pageSize-1), protRW)
	}
	return nil
}

// writable returns the image offsets of the writable segments' pages.
func (x *executable) writable() [][2]uint64 {
	var r [][2]uint64
	base := x.imageBase()
	for _, s := range x.segments {
		if s.flags&pfW != 0 {
			r = append(r, [2]uint64{s.vaddr&^(pageSize-1) - base, (s.vaddr+s.memsz+pageSize-1)&^(pageSize-1) - base})
		}
	}
	return r
}
