package create

import (
	"fmt"

	"github.com/instar-go/instar/formats/vhd"
	"github.com/instar-go/instar/formats/vhdx"
)

// Hints for a backing too large for the target.
const (
	hintLargerCluster = "try a larger cluster size, or a format with more headroom, or pass an explicit SIZE that fits"
	hintOtherFormat   = "try a format with more headroom (vhdx allows 64 TiB, qcow2 more), or pass an explicit SIZE that fits"
	hintExplicitSize  = "pass an explicit SIZE that fits, or use qcow2, which has more headroom"
)

// ceilingRows holds the ceiling row of each non-raw target, taken from its
// format package.
var ceilingRows = map[Format]func(o *Options) ceilingRow{
	Qcow2: qcow2Ceiling,
	VMDK:  vmdkCeiling,
	VPC: func(o *Options) ceilingRow {
		sub, _ := vhd.ParseSubformat(orDefault(o.Subformat, "dynamic"))
		return ceilingRow{
			max:  vhd.MaxVirtualSizeFor(vhd.Options{Subformat: sub, ForceSize: o.ForceSize}),
			what: "vpc",
			hint: hintOtherFormat,
		}
	},
	VHDX: func(*Options) ceilingRow {
		return ceilingRow{max: vhdx.MaxVirtualSize, what: "vhdx", hint: hintExplicitSize}
	},
}

// ceilingFormat returns the ceiling row of a non-raw target.
func ceilingFormat(o *Options) (ceilingRow, error) {
	row, ok := ceilingRows[o.Format]
	if !ok {
		return ceilingRow{}, newError(UnsupportedFormat, fmt.Sprintf("instar cannot create %s images in this build", o.Format))
	}
	return row(o), nil
}
