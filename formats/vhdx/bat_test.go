package vhdx

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestBlockEntryMatchesQemu reads every block through BlockEntry and
// compares with qemu-img convert's raw output: a fully present block must
// hold, at its file offset, exactly the bytes qemu reads for it; any other
// block must read as zeros in qemu's output.
func TestBlockEntryMatchesQemu(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	qemuIO := testenv.RequireTool(t, "qemu-io")
	cases := []struct {
		size, opts string
		writes     []string
	}{
		{"40M", "", []string{"write -P 0xab 0 64k", "write -P 0xcd 20M 1M", "write -P 0x11 39M 1M"}},
		{"64M", "block_state_zero=off,block_size=1M", []string{"write -P 0xab 5M 3M"}},
		{"100M", "subformat=fixed,block_state_zero=off", []string{"write -P 0xab 50M 1k"}},
		{"100M", "subformat=fixed", []string{"write -P 0xab 50M 1k"}},
	}
	for _, c := range cases {
		t.Run(c.size+","+c.opts, func(t *testing.T) {
			path := qemuCreate(t, c.size, c.opts)
			for _, w := range c.writes {
				testenv.Run(t, qemuIO, "-f", "vhdx", "-c", w, path)
			}
			rawPath := filepath.Join(t.TempDir(), "raw")
			testenv.Run(t, qemu, "convert", "-f", "vhdx", "-O", "raw", path, rawPath)
			raw, err := os.ReadFile(rawPath)
			if err != nil {
				t.Fatal(err)
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			img := parseFile(t, path)
			bs := uint64(img.BlockSize)
			present := 0
			for n := uint64(0); n*bs < img.VirtualSize; n++ {
				e, err := img.BlockEntry(byteReader(file), int64(len(file)), n)
				if err != nil {
					t.Fatalf("block %d: %v", n, err)
				}
				want := raw[n*bs : min(n*bs+bs, uint64(len(raw)))]
				switch e.State {
				case BlockFullyPresent:
					present++
					if got := file[e.FileOffset : e.FileOffset+uint64(len(want))]; !bytes.Equal(got, want) {
						t.Errorf("block %d at file offset %d differs from what qemu reads", n, e.FileOffset)
					}
				case BlockZero, BlockNotPresent:
					if !bytes.Equal(want, make([]byte, len(want))) {
						t.Errorf("block %d is %v but qemu reads data there", n, e.State)
					}
				default:
					t.Errorf("block %d in state %v", n, e.State)
				}
			}
			if present == 0 {
				t.Error("no block present; the test checks nothing")
			}
			if _, err := img.BlockEntry(byteReader(file), int64(len(file)), (img.VirtualSize+bs-1)/bs); err == nil {
				t.Error("BlockEntry beyond the last block succeeded")
			}
		})
	}
}

func TestBlockEntryOutsideFile(t *testing.T) {
	b := planBytes(t, Options{Size: 40 << 20, Subformat: SubformatFixed, BlockStateZero: boolp(false)})
	img, err := Parse(byteReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	// Cut the file inside block 3: blocks 0-2 are fine, block 3 is not.
	size := int64(8*mib + 3*8*mib + 4096)
	if _, err := img.BlockEntry(byteReader(b), size, 2); err != nil {
		t.Errorf("block 2: %v", err)
	}
	if _, err := img.BlockEntry(byteReader(b), size, 3); !errors.Is(err, ErrCorrupt) {
		t.Errorf("block 3 beyond the end: %v", err)
	}
}
