package vhd

import "strings"

// Info is what qemu-img info shows for a vpc image, plus the identity a
// differencing child records and the footer fields vhdiinfo shows.
type Info struct {
	// VirtualSize follows qemu: the CHS geometry's size, except for
	// creators that size by Current Size (see SizeFromGeometry).
	VirtualSize int64
	// ClusterSize is the block size for dynamic and differencing disks
	// (qemu's cluster-size) and 0 for fixed disks, where qemu shows none.
	ClusterSize int64
	DiskType    DiskType
	// ProbesAsVPC reports that the file starts with the footer cookie, so
	// qemu-img detects it as vpc without -f. Fixed disks normally probe
	// as raw.
	ProbesAsVPC bool
	// FooterMismatch reports a dynamic or differencing disk whose
	// trailing footer differs from the copy at offset 0 (qemu reads only
	// the copy; Windows may read the trailing one), a sign of damage.
	FooterMismatch bool
	// SizeFromGeometry reports that qemu derived VirtualSize from the
	// geometry rather than from CurrentSize.
	SizeFromGeometry bool
	UUID             UUID
	Timestamp        Timestamp
	CreatorApp       string // e.g. "qemu", "qem2", "win ", trailing NULs removed
	CreatorVersion   uint32
	CreatorHostOS    string // e.g. "Wi2k"
	OriginalSize     uint64
	CurrentSize      uint64
	Geometry         Geometry
	SavedState       bool
	// Parent is set for differencing disks.
	Parent *ParentRef
}

// ParentRef is what a differencing disk records about its parent.
type ParentRef struct {
	UUID      UUID      // must equal the parent footer's UUID
	Timestamp Timestamp // the parent's time stamp when the child was made
	Name      string    // Parent Unicode Name
	Locators  []Locator
}

// Info summarises the image.
func (img *Image) Info() Info {
	f := img.Footer
	inf := Info{
		VirtualSize:      img.virtualSize,
		DiskType:         f.DiskType,
		ProbesAsVPC:      img.probesAsVPC,
		FooterMismatch:   img.footerMismatch,
		SizeFromGeometry: img.sizeFromCHS,
		UUID:             f.UUID,
		Timestamp:        f.Timestamp,
		CreatorApp:       strings.TrimRight(string(f.CreatorApp[:]), "\x00"),
		CreatorVersion:   f.CreatorVersion,
		CreatorHostOS:    strings.TrimRight(string(f.CreatorOS[:]), "\x00"),
		OriginalSize:     f.OriginalSize,
		CurrentSize:      f.CurrentSize,
		Geometry:         f.Geometry,
		SavedState:       f.SavedState,
	}
	if img.Dynamic != nil {
		inf.ClusterSize = int64(img.Dynamic.BlockSize)
	}
	if f.DiskType == DiskTypeDifferencing {
		inf.Parent = &ParentRef{
			UUID:      img.Dynamic.ParentUUID,
			Timestamp: img.Dynamic.ParentTimestamp,
			Name:      img.ParentName,
			Locators:  append([]Locator(nil), img.Locators...),
		}
	}
	return inf
}
