package qcow2

// Info is everything `qemu-img info --output=json` shows for a qcow2 image
// (the file-level facts, such as the actual size on disk, are the caller's).
type Info struct {
	VirtualSize     int64
	ClusterSize     int64
	BackingFile     string // empty when the image has no backing file
	BackingFormat   string // empty when the image does not record one
	Compat          Compat
	CompressionType CompressionType
	LazyRefcounts   bool
	RefcountBits    int
	Corrupt         bool
	ExtendedL2      bool
	Dirty           bool
	DataFile        string // external data file name, empty when none
	DataFileRaw     bool
	Encrypted       bool
	Snapshots       int
}

// Info summarises the image the way qemu-img info does.
func (img *Image) Info() Info {
	h := &img.Header
	compat := Compat11
	if h.Version < 3 {
		compat = Compat010
	}
	return Info{
		VirtualSize:     int64(h.Size),
		ClusterSize:     h.ClusterSize(),
		BackingFile:     img.BackingFile,
		BackingFormat:   img.BackingFormat,
		Compat:          compat,
		CompressionType: h.CompressionType,
		LazyRefcounts:   h.Compatible&CompatLazyRefcounts != 0,
		RefcountBits:    1 << h.RefcountOrder,
		Corrupt:         h.Incompatible&IncompatCorrupt != 0,
		ExtendedL2:      h.Incompatible&IncompatExtendedL2 != 0,
		Dirty:           h.Incompatible&IncompatDirty != 0,
		DataFile:        img.DataFile,
		DataFileRaw:     h.Autoclear&AutoclearDataFileRaw != 0,
		Encrypted:       h.CryptMethod != CryptNone,
		Snapshots:       int(h.NbSnapshots),
	}
}
