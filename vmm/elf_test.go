package vmm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"
)

// minimalELF is a hand-made static amd64 executable header with one
// executable PT_LOAD segment mapping the whole file at 0x400000.
func minimalELF() []byte {
	b := make([]byte, pageSize)
	le := binary.LittleEndian
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[elfOffType:], etExec)
	le.PutUint16(b[elfOffMachine:], emX86_64)
	le.PutUint64(b[elfOffEntry:], 0x400000+0x100)
	le.PutUint64(b[elfOffPhoff:], elfHeaderSize)
	le.PutUint16(b[elfOffPhentsz:], phdrSize)
	le.PutUint16(b[elfOffPhnum:], 1)
	ph := b[elfHeaderSize:]
	le.PutUint32(ph[phOffType:], ptLoad)
	le.PutUint32(ph[phOffFlags:], pfX|4)
	le.PutUint64(ph[phOffVaddr:], 0x400000)
	le.PutUint64(ph[phOffFilesz:], pageSize)
	le.PutUint64(ph[phOffMemsz:], 2*pageSize)
	return b
}

func TestParseELF(t *testing.T) {
	x, err := parseELF(minimalELF())
	if err != nil {
		t.Fatal(err)
	}
	if x.entry != 0x400100 || x.phdr != 0x400000+elfHeaderSize || len(x.segments) != 1 || x.high != 0x402000 {
		t.Errorf("parsed %+v", x)
	}
	bad := map[string]func(b []byte){
		"magic":         func(b []byte) { b[0] = 0 },
		"32-bit":        func(b []byte) { b[4] = 1 },
		"arm64":         func(b []byte) { binary.LittleEndian.PutUint16(b[elfOffMachine:], 183) },
		"PIE":           func(b []byte) { binary.LittleEndian.PutUint16(b[elfOffType:], 3) },
		"interpreter":   func(b []byte) { binary.LittleEndian.PutUint32(b[elfHeaderSize+phOffType:], ptInterp) },
		"past the file": func(b []byte) { binary.LittleEndian.PutUint64(b[elfHeaderSize+phOffFilesz:], 2*pageSize) },
		"kernel half":   func(b []byte) { binary.LittleEndian.PutUint64(b[elfHeaderSize+phOffVaddr:], 0xffff800000000000) },
		"misaligned":    func(b []byte) { binary.LittleEndian.PutUint64(b[elfHeaderSize+phOffVaddr:], 0x400010) },
		"entry outside": func(b []byte) { binary.LittleEndian.PutUint64(b[elfOffEntry:], 0x900000) },
		"huge phnum":    func(b []byte) { binary.LittleEndian.PutUint16(b[elfOffPhnum:], 0xffff) },
	}
	for name, breakIt := range bad {
		b := minimalELF()
		breakIt(b)
		if _, err := parseELF(b); !errors.Is(err, ErrNotStaticELF) {
			t.Errorf("%s: err = %v, want ErrNotStaticELF", name, err)
		}
	}
}

func FuzzParseELF(f *testing.F) {
	f.Add(minimalELF())
	if b, err := os.ReadFile("/bin/true"); err == nil && len(b) > 4096 {
		f.Add(b[:4096])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The build-ID reader walks the same headers and the notes: it
		// must answer without panicking, and only with a bounded ID.
		if id, err := elfBuildID(bytes.NewReader(b)); err == nil && (len(id) == 0 || len(id) > maxBuildIDLen) {
			t.Fatalf("build ID of %d bytes", len(id))
		} else if err != nil && !errors.Is(err, errNoBuildID) {
			t.Fatalf("build ID error %v does not wrap errNoBuildID", err)
		}
		x, err := parseELF(b)
		if err != nil {
			if !errors.Is(err, ErrNotStaticELF) {
				t.Fatalf("error %v does not wrap ErrNotStaticELF", err)
			}
			return
		}
		for _, s := range x.segments {
			if s.off+s.filesz > uint64(len(b)) || s.filesz > s.memsz || s.vaddr < userMin || s.vaddr+s.memsz > mmapBase {
				t.Fatalf("accepted a segment that does not fit: %+v", s)
			}
		}
	})
}
