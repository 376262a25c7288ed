package info

import (
	"fmt"
	"io"
	"strconv"
)

// WriteHuman writes entries as qemu-img info prints them without
// --output=json: one block per entry, separated by a blank line (the
// --backing-chain layout). Strings from image bytes are escaped when they
// hold non-printable characters (see escapeText); everything else is byte
// for byte qemu-img 7.2's output.
func WriteHuman(w io.Writer, entries []Entry) error {
	if err := checkComplete(entries); err != nil {
		return err
	}
	var b buffer
	for i := range entries {
		if i > 0 {
			b.WriteByte('\n')
		}
		entries[i].writeHuman(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes entries as qemu-img info --output=json prints them.
// With chain false it writes the single entry (entries must hold exactly
// one); with chain true a JSON array, as --backing-chain does, even for one
// entry.
//
// Both refuse an entry whose VMDK extents still need CompleteExtents, whose
// sizes would otherwise be wrong.
func WriteJSON(w io.Writer, entries []Entry, chain bool) error {
	if err := checkComplete(entries); err != nil {
		return err
	}
	var b buffer
	if chain {
		l := make(qlist, len(entries))
		for i := range entries {
			l[i] = entries[i].qemuInfo()
		}
		l.writeJSON(&b, 0)
	} else {
		if len(entries) != 1 {
			return errNotOne(len(entries))
		}
		entries[0].qemuInfo().writeJSON(&b, 0)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHuman is qemu's bdrv_image_info_dump (block/qapi.c).
func (e *Entry) writeHuman(b *buffer) {
	im := e.Image
	disk := "unavailable"
	if e.ActualSize >= 0 {
		disk = sizeToStr(uint64(e.ActualSize))
	}
	b.WriteString("image: " + escapeText(e.Filename) + "\n")
	b.WriteString("file format: " + escapeText(im.Format) + "\n")
	b.WriteString("virtual size: " + sizeToStr(uint64(im.VirtualSize)) +
		" (" + strconv.FormatInt(im.VirtualSize, 10) + " bytes)\n")
	b.WriteString("disk size: " + disk + "\n")
	if im.ClusterSize != 0 {
		b.WriteString("cluster_size: " + strconv.FormatInt(im.ClusterSize, 10) + "\n")
	}
	if im.HasDirtyFlag && im.Dirty {
		b.WriteString("cleanly shut down: no\n")
	}
	if im.BackingFilename != "" {
		full := FullBackingFilename(e.Filename, im.BackingFilename)
		b.WriteString("backing file: " + escapeText(im.BackingFilename))
		if full != im.BackingFilename {
			b.WriteString(" (actual path: " + escapeText(full) + ")")
		}
		b.WriteByte('\n')
		if im.BackingFormat != "" {
			b.WriteString("backing file format: " + escapeText(im.BackingFormat) + "\n")
		}
	}
	if spec := e.specific(); spec != nil {
		b.WriteString("Format specific information:\n")
		spec.dump(b, 1)
	}
}

// checkComplete refuses entries without an Image, and those with VMDK
// extents CompleteExtents has not filled in.
func checkComplete(entries []Entry) error {
	for _, e := range entries {
		if e.Image == nil {
			return fmt.Errorf("info: entry %q has no Image", e.Filename)
		}
		if v := e.Image.VMDK; v != nil {
			for _, x := range v.Extents {
				if x.NeedsHeader {
					return fmt.Errorf("%w: %s: the header of vmdk extent %q has not been read (the host must call CompleteExtents)", ErrIncomplete, e.Filename, x.Filename)
				}
			}
		}
	}
	return nil
}
