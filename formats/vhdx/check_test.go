package vhdx

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestCheckBATMatchesQemu damages images qemu-io wrote (truncation, a
// block pointing into the metadata) and checks that CheckBAT refuses
// exactly the images qemu-img info refuses to open.
func TestCheckBATMatchesQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	qemuIO := testenv.RequireTool(t, "qemu-io")
	dynamic := qemuCreate(t, "1G", "")
	testenv.Run(t, qemuIO, "-f", "vhdx", "-c", "write -P 0xab 0 64k", "-c", "write -P 0xcd 100M 1M", dynamic)
	fixed := qemuCreate(t, "20M", "subformat=fixed,block_state_zero=off")
	cases := []struct {
		name string
		src  string
		edit func(b []byte) []byte
	}{
		{"written dynamic", dynamic, func(b []byte) []byte { return b }},
		{"dynamic cut inside the last block", dynamic, func(b []byte) []byte { return b[:len(b)-5000000] }},
		{"dynamic cut in the last sector", dynamic, func(b []byte) []byte { return b[:len(b)-100] }},
		{"dynamic cut before the first block", dynamic, func(b []byte) []byte { return b[:8<<20] }},
		{"fixed", fixed, func(b []byte) []byte { return b }},
		{"fixed cut by a sector", fixed, func(b []byte) []byte { return b[:len(b)-512] }},
		{"block in the metadata region", dynamic, func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[baseBAT+8:], batEntry(BlockFullyPresent, baseMeta))
			return b
		}},
		{"block in the log", dynamic, func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[baseBAT+8:], batEntry(BlockFullyPresent, 1*mib))
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := os.ReadFile(c.src)
			if err != nil {
				t.Fatal(err)
			}
			b = c.edit(b)
			path := filepath.Join(t.TempDir(), "c.vhdx")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, qerr := testenv.RunErr(qemu, "info", "-f", "vhdx", path)
			img := parseFile(t, path)
			err = img.CheckBAT(byteReader(b), int64(len(b)))
			if (qerr == nil) != (err == nil) {
				t.Fatalf("qemu-img info: %v %s; CheckBAT: %v", qerr, stderr, err)
			}
			if err != nil {
				t.Log(err)
				var fe *FormatError
				if !errors.Is(err, ErrCorrupt) || !errors.As(err, &fe) {
					t.Errorf("not a *FormatError wrapping ErrCorrupt: %v", err)
				}
			}
		})
	}
}

// TestCheckBATPlanned: planned images pass, a 1 TiB one in 1 MiB blocks
// (an 8 MiB BAT, read in chunks) too.
func TestCheckBATPlanned(t *testing.T) {
	for _, o := range []Options{
		{Size: 100 << 20, Subformat: SubformatFixed, BlockStateZero: boolp(false)},
		{Size: 1 << 40, BlockSize: 1 << 20, Subformat: SubformatFixed, BlockStateZero: boolp(false)},
		{Size: 1 << 30, Parent: &Parent{DataWriteGUID: mustGUID("27618972-0b56-3e47-8b0a-915d7783c6e3"), RelativePath: "p.vhdx"}},
	} {
		p, err := PlanImage(o)
		if err != nil {
			t.Fatal(err)
		}
		img, err := Parse(p, p.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := img.CheckBAT(p, p.Size); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
