package create

import (
	"github.com/instar-go/instar/formats/vhd"
	"github.com/instar-go/instar/formats/vhdx"
)

// Hints for a backing too large for the target.
const (
	hintLargerCluster = "try a larger cluster size, or a format with more headroom, or pass an explicit SIZE that fits"
	hintOtherFormat   = "try a format with more headroom (vhdx allows 64 TiB, qcow2 more), or pass an explicit SIZE that fits"
	hintExplicitSize  = "pass an explicit SIZE that fits, or use qcow2, which has more headroom"
)

// ceilingRows holds the ceiling row of every target. The rows come from the
// format packages (their MaxVirtualSize… limits), so the table and the
// emitters cannot disagree.
var ceilingRows = map[Format]func(o *Options) ceilingRow{
	Raw: func(*Options) ceilingRow {
		return ceilingRow{max: rawMaxSize, what: "raw", hint: "pass an explicit SIZE that fits"}
	},
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
