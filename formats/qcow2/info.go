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

// FormatSpecific is the "data" object of "format-specific" in
// `qemu-img info --output=json` for qcow2: qemu's key names, JSON types and
// key order. Fields qemu shows only for compat 1.1 images are pointers, nil
// for 0.10; data-file and data-file-raw appear only with an external data
// file.
type FormatSpecific struct {
	Compat          string `json:"compat"`
	CompressionType string `json:"compression-type"`
	LazyRefcounts   *bool  `json:"lazy-refcounts,omitempty"`
	RefcountBits    int    `json:"refcount-bits"`
	DataFile        string `json:"data-file,omitempty"`
	DataFileRaw     *bool  `json:"data-file-raw,omitempty"`
	Corrupt         *bool  `json:"corrupt,omitempty"`
	ExtendedL2      *bool  `json:"extended-l2,omitempty"`
}

// FormatSpecific returns the format-specific part of qemu-img info.
func (in Info) FormatSpecific() FormatSpecific {
	fs := FormatSpecific{
		Compat:          in.Compat.String(),
		CompressionType: in.CompressionType.String(),
		RefcountBits:    in.RefcountBits,
	}
	if in.Compat == Compat11 {
		fs.LazyRefcounts, fs.Corrupt, fs.ExtendedL2 = &in.LazyRefcounts, &in.Corrupt, &in.ExtendedL2
		if in.DataFile != "" {
			fs.DataFile, fs.DataFileRaw = in.DataFile, &in.DataFileRaw
		}
	}
	return fs
}
