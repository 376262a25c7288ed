package vhd

import "fmt"

// Geometry is the footer's CHS disk geometry.
type Geometry struct {
	Cylinders       uint16
	Heads           uint8
	SectorsPerTrack uint8
}

// Sectors is the number of sectors the geometry addresses.
func (g Geometry) Sectors() int64 {
	return int64(g.Cylinders) * int64(g.Heads) * int64(g.SectorsPerTrack)
}

// String formats the geometry as C/H/S.
func (g Geometry) String() string {
	return fmt.Sprintf("%d/%d/%d", g.Cylinders, g.Heads, g.SectorsPerTrack)
}

// maxGeometrySectors is the largest CHS geometry the spec allows,
// 65535 cylinders x 16 heads x 255 sectors. A footer with exactly this
// geometry tells qemu to use the Current Size field instead.
const maxGeometrySectors = 65535 * 16 * 255

// geometryFor is the CHS algorithm of the VHD spec's appendix ("CHS
// calculation") as qemu implements it: it rounds sectors down to what the
// chosen geometry addresses, capped at the maximum geometry.
func geometryFor(sectors int64) Geometry {
	sectors = min(sectors, maxGeometrySectors)
	var spt, heads, cylTimesHeads int64
	if sectors >= 65535*16*63 {
		spt, heads = 255, 16
		cylTimesHeads = sectors / spt
	} else {
		spt = 17
		cylTimesHeads = sectors / spt
		heads = max((cylTimesHeads+1023)/1024, 4)
		if cylTimesHeads >= heads*1024 || heads > 16 {
			spt, heads = 31, 16
			cylTimesHeads = sectors / spt
		}
		if cylTimesHeads >= heads*1024 {
			spt, heads = 63, 16
			cylTimesHeads = sectors / spt
		}
	}
	return Geometry{Cylinders: uint16(cylTimesHeads / heads), Heads: uint8(heads), SectorsPerTrack: uint8(spt)}
}
