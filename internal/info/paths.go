package info

import "strings"

// FullBackingFilename is the path qemu-img reports as full-backing-filename
// (and opens for the next link of --backing-chain) for a backing name
// stored in the image at imageFilename: the name itself when it is absolute
// or looks like a protocol ("nbd:…"), otherwise the name appended to the
// directory part of imageFilename exactly as typed ("d1/top.qcow2" with
// "mid.qcow2" gives "d1/mid.qcow2"; no cleaning, no symlink resolution).
// It returns "" for an empty name.
func FullBackingFilename(imageFilename, backing string) string {
	return resolveName(imageFilename, backing)
}

// resolveName is qemu's bdrv_make_absolute_filename for a file node: how a
// name stored in an image becomes the path qemu opens.
func resolveName(imageFilename, name string) string {
	if name == "" {
		return ""
	}
	if strings.HasPrefix(name, "/") || hasProtocol(name) {
		return name
	}
	return dirPrefix(imageFilename) + name
}

// hasProtocol is qemu's path_has_protocol on POSIX: a ':' before any '/'.
func hasProtocol(p string) bool {
	i := strings.IndexAny(p, ":/")
	return i >= 0 && p[i] == ':'
}

// dirPrefix is the directory part of p including its trailing slash, or ""
// when p has no slash (qemu's path_combine(p, "")).
func dirPrefix(p string) string {
	return p[:strings.LastIndexByte(p, '/')+1]
}

// ExtentFile is a VMDK extent kept in a file other than the descriptor.
type ExtentFile struct {
	// Name is the file name as the descriptor stores it: untrusted data.
	Name string
	// Path is Name resolved as qemu-img resolves it against the
	// descriptor's path: what qemu-img opens and shows.
	Path string
}

// ExtentFiles returns the VMDK extent files that live outside
// imageFilename (the descriptor), in descriptor order, with their host
// paths resolved as qemu-img resolves them. qemu-img's disk size for a VMDK
// is the descriptor's allocation plus the allocation of each of these files
// (a file named twice counts twice), and qemu-img fails when one is
// missing. Nil for every other format. Which of them to open is the
// caller's decision: qemu-img follows any name, the instar command only
// names beneath the descriptor's directory.
func (im *Image) ExtentFiles(imageFilename string) []ExtentFile {
	if im.VMDK == nil {
		return nil
	}
	var files []ExtentFile
	for _, e := range im.VMDK.Extents {
		if e.Filename != "" {
			files = append(files, ExtentFile{Name: e.Filename, Path: resolveName(imageFilename, e.Filename)})
		}
	}
	return files
}
