package vmdk

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// descriptorFileTypes are the createType values qemu opens from a
// stand-alone descriptor.
var descriptorFileTypes = []string{"monolithicFlat", "vmfs", "vmfsSparse", "seSparse", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"}

// extentTypes are the extent types qemu opens from a descriptor file.
var extentTypes = []string{"FLAT", "SPARSE", "VMFS", "VMFSSPARSE", "SESPARSE"}

// parseDescriptorFile parses a stand-alone descriptor starting at off. Its
// virtual size is the sum of the extents qemu would open; none is opened.
func parseDescriptorFile(r io.ReaderAt, size, off int64) (*Image, error) {
	n := size - off
	if n > MaxDescriptorSize {
		return nil, formatErr(ErrCorrupt, off, "descriptor", "a descriptor file of %d bytes exceeds the %d-byte limit", n, MaxDescriptorSize)
	}
	text := make([]byte, n)
	if err := readFull(r, text, off, "descriptor"); err != nil {
		return nil, err
	}
	d, err := ParseDescriptor(text, off)
	if err != nil {
		return nil, err
	}
	if d.CreateType == "" {
		return nil, formatErr(ErrCorrupt, off, "descriptor createType", "the descriptor has no createType")
	}
	if !contains(descriptorFileTypes, d.CreateType) {
		return nil, formatErr(ErrUnsupported, off, "descriptor createType", "create type %q in a descriptor file is not one qemu opens (%s)", clip(d.CreateType), strings.Join(descriptorFileTypes, ", "))
	}
	if err := requireCIDs(d, off); err != nil {
		return nil, err
	}
	im := &Image{Descriptor: d, DescriptorOffset: off}
	im.info.CreateType = d.CreateType
	var total int64
	for i, e := range d.Extents {
		// The order of these checks is qemu's (vmdk_parse_extents).
		if e.Access != "RW" {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d (%s %q) is ignored: qemu opens only RW extents", i+1, e.Access, clip(e.FileName)))
			continue
		}
		if e.Type == "FLAT" && !e.HasOffset {
			return nil, formatErr(ErrCorrupt, e.LineOffset, "descriptor extent line", "FLAT extent %d has no offset", i+1)
		}
		if e.Type != "FLAT" && e.HasOffset {
			return nil, formatErr(ErrCorrupt, e.LineOffset, "descriptor extent line", "%s extent %d has an offset; only FLAT extents take one", clip(e.Type), i+1)
		}
		if e.Sectors == 0 {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d (%q) is ignored: it has 0 sectors", i+1, clip(e.FileName)))
			continue
		}
		if !contains(extentTypes, e.Type) {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d of type %q is ignored: qemu does not read it", i+1, clip(e.Type)))
			continue
		}
		if e.Sectors > (math.MaxInt64-total)/SectorSize {
			return nil, formatErr(ErrCorrupt, e.LineOffset, "descriptor extent line", "extent sizes add up to more than 2^63 bytes")
		}
		total += e.Size()
		im.info.Extents = append(im.info.Extents, ExtentInfo{
			Filename:    e.FileName,
			Format:      e.Type,
			VirtualSize: e.Size(),
			Flat:        e.Flat(),
			Offset:      e.Offset * SectorSize,
		})
		if w := unsafeName(e.FileName); w != "" {
			im.Warnings = append(im.Warnings, fmt.Sprintf("extent %d file name %q %s", i+1, clip(e.FileName), w))
		}
	}
	if len(im.info.Extents) == 0 {
		return nil, formatErr(ErrCorrupt, off, "descriptor extent line", "the descriptor names no extent qemu can open")
	}
	im.Warnings = append(im.Warnings, fmt.Sprintf("create type %s keeps its data in other files", d.CreateType))
	im.info.VirtualSize = total
	im.fillFromDescriptor()
	return im, nil
}

// unsafeName says why an extent file name should not be followed blindly,
// or "" when it is a plain name in the descriptor's directory.
func unsafeName(name string) string {
	switch {
	case name == "":
		return "is empty"
	case strings.HasPrefix(name, "/"):
		return "is an absolute path"
	case strings.ContainsAny(name, "/\\"):
		return "names another directory"
	case name == "." || name == "..":
		return "names a directory"
	}
	return ""
}
