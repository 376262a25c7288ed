package info

import (
	"io"
	"math"

	"github.com/instar-go/instar/formats/qcow2"
	"github.com/instar-go/instar/formats/vhd"
	"github.com/instar-go/instar/formats/vhdx"
	"github.com/instar-go/instar/formats/vmdk"
)

// Format names, as qemu calls them.
const (
	formatRaw   = "raw"
	formatQcow2 = qcow2.FormatName
	formatVMDK  = vmdk.FormatName
)

// sectorSize is qemu's BDRV_SECTOR_SIZE: block layer sizes are whole
// sectors.
const sectorSize = 512

// qcow2 compat strings qemu-img shows for header versions 2 and 3.
const (
	qcow2CompatV2 = "0.10"
	qcow2CompatV3 = "1.1"
)

// parser is one format instar can inspect.
type parser struct {
	name string
	// detect reports whether the probe buffer is this format; nil for
	// formats qemu's probe never picks by signature (raw is the fallback).
	detect func(head []byte) bool
	parse  func(r io.ReaderAt, size int64) (*Image, error)
}

// parsers are tried in this order when probing.
var parsers = []parser{
	{name: formatRaw, parse: parseRaw},
	{name: qcow2.FormatName, detect: qcow2.Detect, parse: parseQcow2},
	{name: vmdk.FormatName, detect: vmdk.Detect, parse: parseVMDK},
	{name: vhd.FormatName, detect: vhd.Detect, parse: parseVPC},
	{name: vhdx.FormatName, detect: vhdx.Detect, parse: parseVHDX},
	{name: FormatSparseExtent, parse: parseSparseExtent},
}

func parserFor(name string) (parser, bool) {
	for _, p := range parsers {
		if p.name == name {
			return p, true
		}
	}
	return parser{}, false
}

// parseRaw describes a raw image: qemu reports the file's length rounded
// up to a whole 512-byte sector, and nothing else.
func parseRaw(_ io.ReaderAt, size int64) (*Image, error) {
	vs := size
	if rem := size % sectorSize; rem != 0 {
		if size > math.MaxInt64-sectorSize {
			vs = size - rem // cannot occur for a real file; stay in range
		} else {
			vs = size + sectorSize - rem
		}
	}
	return &Image{Format: formatRaw, VirtualSize: vs, HasDirtyFlag: true}, nil
}
