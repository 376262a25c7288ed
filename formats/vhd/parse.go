package vhd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Image is a parsed VHD image.
type Image struct {
	// Footer is the footer in use: the copy at offset 0 for dynamic and
	// differencing disks, the trailing one for fixed disks.
	Footer Footer
	// FooterOffset is where Footer was read (0, or the file size - 512).
	FooterOffset int64
	// Dynamic is the dynamic disk header; nil for fixed disks.
	Dynamic *DynamicHeader
	// ParentName is the decoded Parent Unicode Name of a differencing disk.
	ParentName string
	// Locators are the parent locators of a differencing disk, in entry
	// order, without empty entries.
	Locators []Locator

	virtualSize    int64
	sizeFromCHS    bool
	footerMismatch bool
	probesAsVPC    bool
}

// maxTableEntries is qemu's cap on BAT entries (INT_MAX / 4).
const maxTableEntries = (1<<31 - 1) / 4

// batChunk is how many BAT bytes Parse reads at a time.
const batChunk = 64 << 10

// readAt reads exactly len(p) bytes at off; a short read is an error.
func readAt(r io.ReaderAt, p []byte, off int64, what string) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("vhd: reading %s (%d bytes at byte %d): %w", what, len(p), off, err)
}

// Parse reads a VHD image of size bytes from r. It reads the footer, the
// dynamic header and BAT of dynamic and differencing disks, and the parent
// name and locators of differencing disks; it never follows a parent.
func Parse(r io.ReaderAt, size int64) (*Image, error) {
	if size < FooterSize {
		return nil, formatErr(ErrNotVHD, 0, "file size", "%d bytes is smaller than the 512-byte footer", size)
	}
	img, err := parseFooter(r, size)
	if err != nil {
		return nil, err
	}
	f := &img.Footer
	img.sizeFromCHS = !sizeFromCurrentSize(*f)
	if img.sizeFromCHS {
		img.virtualSize = f.Geometry.Sectors() * SectorSize
	} else {
		if f.CurrentSize > uint64(MaxVirtualSize) {
			return nil, formatErr(ErrTooLarge, img.FooterOffset+footCurrentSize, "footer current size",
				"%d bytes is above the vpc maximum of %d (2040 GiB)", f.CurrentSize, MaxVirtualSize)
		}
		img.virtualSize = int64(f.CurrentSize) / SectorSize * SectorSize
	}
	// Even the largest encodable geometry (65535x255x255 sectors) is
	// below 2040 GiB, so both branches are now within MaxVirtualSize.
	if f.DiskType == DiskTypeFixed {
		return img, nil
	}
	if err := img.parseDynamic(r, size); err != nil {
		return nil, err
	}
	return img, nil
}

// parseFooter finds the footer: the copy at offset 0 of a dynamic or
// differencing disk, else the trailing footer of a fixed disk.
func parseFooter(r io.ReaderAt, size int64) (*Image, error) {
	buf := make([]byte, FooterSize)
	if err := readAt(r, buf, 0, "footer copy"); err != nil {
		return nil, err
	}
	var headErr error
	probes := bytes.Equal(buf[:len(footerCookie)], footerCookie)
	if probes {
		f, err := decodeFooter(buf, 0)
		if err == nil && f.DiskType != DiskTypeFixed {
			tail := make([]byte, FooterSize)
			if err := readAt(r, tail, size-FooterSize, "footer"); err != nil {
				return nil, err
			}
			return &Image{Footer: f, probesAsVPC: true, footerMismatch: !bytes.Equal(buf, tail)}, nil
		}
		// A fixed disk's first sector is guest data, which may look like
		// anything, a damaged footer included: only its trailing footer
		// counts. If there is none, the damaged copy is the error.
		headErr = err
	}
	off := size - FooterSize
	if err := readAt(r, buf, off, "footer"); err != nil {
		return nil, err
	}
	f, err := decodeFooter(buf, off)
	if err == nil && f.DiskType != DiskTypeFixed {
		err = formatErr(ErrCorrupt, off+footDiskType, "footer disk type",
			"the footer at the end of the file says %s, but the copy at offset 0 that such a disk needs is missing", f.DiskType)
	}
	if err != nil {
		if headErr != nil {
			return nil, headErr
		}
		return nil, err
	}
	return &Image{Footer: f, FooterOffset: off, probesAsVPC: probes}, nil
}

// parseDynamic reads and checks the dynamic header and the BAT, and the
// parent fields of a differencing disk.
func (img *Image) parseDynamic(r io.ReaderAt, size int64) error {
	f := &img.Footer
	if size < DynamicHeaderSize || f.DataOffset > uint64(size-DynamicHeaderSize) {
		return formatErr(ErrCorrupt, img.FooterOffset+footDataOffset, "footer data offset",
			"%#x leaves no room for the %d-byte dynamic header in a %d-byte file", f.DataOffset, DynamicHeaderSize, size)
	}
	hoff := int64(f.DataOffset)
	buf := make([]byte, DynamicHeaderSize)
	if err := readAt(r, buf, hoff, "dynamic header"); err != nil {
		return err
	}
	h, err := decodeDynamicHeader(buf, hoff)
	if err != nil {
		return err
	}
	img.Dynamic = &h
	bs := h.BlockSize
	if bs < SectorSize || bs&(bs-1) != 0 {
		return formatErr(ErrCorrupt, hoff+dynBlockSize, "block size", "%d is not a power of two of at least 512", bs)
	}
	n := int64(h.MaxTableEntries)
	if n > maxTableEntries {
		return formatErr(ErrCorrupt, hoff+dynMaxTableEntries, "BAT entry count", "%d is above qemu's limit of %d", n, maxTableEntries)
	}
	if n*int64(bs) < img.virtualSize {
		return formatErr(ErrCorrupt, hoff+dynMaxTableEntries, "BAT entry count",
			"%d blocks of %d bytes cover less than the virtual size %d", n, bs, img.virtualSize)
	}
	batLen := n * 4
	// qemu rounds the end of the BAT up to a sector and wants that inside
	// the file; comparing with the size rounded down cannot overflow.
	if h.TableOffset > uint64(size) || batLen > size-int64(h.TableOffset) ||
		int64(h.TableOffset)+batLen > size/SectorSize*SectorSize {
		return formatErr(ErrCorrupt, hoff+dynTableOffset, "BAT offset",
			"a %d-byte BAT at %#x does not fit in the %d-byte file (truncated image?)", batLen, h.TableOffset, size)
	}
	if err := checkBAT(r, int64(h.TableOffset), n, int64(bs), size); err != nil {
		return err
	}
	if f.DiskType == DiskTypeDifferencing {
		return img.parseParent(r, hoff, size)
	}
	return nil
}

// checkBAT verifies, as qemu does on open, that every allocated block
// (its sector bitmap and data) lies inside the file. It reads the BAT in
// chunks, so memory stays bounded whatever the entry count.
func checkBAT(r io.ReaderAt, off, n, blockSize, size int64) error {
	bitmapSize := (blockSize/(8*SectorSize) + SectorSize - 1) / SectorSize * SectorSize
	buf := make([]byte, min(n*4, batChunk))
	for i := int64(0); i < n; {
		chunk := buf[:min((n-i)*4, int64(len(buf)))]
		if err := readAt(r, chunk, off+i*4, "BAT"); err != nil {
			return err
		}
		for j := 0; j < len(chunk); j, i = j+4, i+1 {
			e := binary.BigEndian.Uint32(chunk[j:])
			if e == unusedBATEntry {
				continue
			}
			if end := int64(e)*SectorSize + bitmapSize + blockSize; end > size {
				return formatErr(ErrCorrupt, off+i*4, "BAT entry",
					"block %d at sector %d ends at byte %d, past the end of the %d-byte file (truncated image?)", i, e, end, size)
			}
		}
	}
	return nil
}

// parseParent decodes the parent name and reads the parent locators.
func (img *Image) parseParent(r io.ReaderAt, hoff, size int64) error {
	h := img.Dynamic
	img.ParentName = decodeUTF16(h.ParentNameRaw[:], binary.BigEndian)
	for i, e := range h.Locators {
		if e.Platform == PlatformNone {
			continue
		}
		entryOff := hoff + dynParentLocators + int64(i)*locatorEntrySize
		if e.DataLength > maxLocatorData {
			return formatErr(ErrCorrupt, entryOff+locDataLength, "parent locator data length",
				"%d bytes is more than the %d this package reads", e.DataLength, maxLocatorData)
		}
		if e.DataOffset > uint64(size) || int64(e.DataLength) > size-int64(e.DataOffset) {
			return formatErr(ErrCorrupt, entryOff+locDataOffset, "parent locator data offset",
				"%d bytes at %#x do not fit in the %d-byte file", e.DataLength, e.DataOffset, size)
		}
		l := Locator{Platform: e.Platform, Offset: int64(e.DataOffset)}
		switch e.Platform {
		case PlatformW2ru, PlatformW2ku, PlatformMacX, PlatformWi2r, PlatformWi2k:
			data := make([]byte, e.DataLength)
			if err := readAt(r, data, int64(e.DataOffset), "parent locator"); err != nil {
				return err
			}
			l.Path = decodeLocatorData(e.Platform, data)
		}
		img.Locators = append(img.Locators, l)
	}
	return nil
}
