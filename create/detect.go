package create

import (
	"fmt"
	"io"
	"strings"

	"github.com/instar-go/instar/formats/qcow2"
	"github.com/instar-go/instar/formats/vhd"
	"github.com/instar-go/instar/formats/vhdx"
	"github.com/instar-go/instar/formats/vmdk"
)

// Probe sizes: formats are recognised from the first 4 KiB of a file, and a
// fixed VHD from the footer in its last 512 bytes.
const (
	probeHeadSize = 4096
	probeTailSize = vhd.FooterSize
)

// headDetectors recognise a format from the first bytes of a file.
var headDetectors = []struct {
	format Format
	detect func(head []byte) bool
}{
	{Qcow2, qcow2.Detect},
	{VMDK, vmdk.Detect},
	{VPC, vhd.Detect},
	{VHDX, vhdx.Detect},
}

// DetectFormat returns the format of the size-byte file r from its bytes:
// the four formats by their magic at the start, a fixed VHD by its footer at
// the end, raw when nothing matches. Bytes that match more than one format
// are a BackingAmbiguous error naming them; instar does not guess.
func DetectFormat(r io.ReaderAt, size int64) (Format, error) {
	if size < 0 {
		return "", newError(BackingReadFailed, fmt.Sprintf("backing file size %d is negative", size))
	}
	head := make([]byte, min(size, probeHeadSize))
	if err := readFull(r, head, 0); err != nil {
		return "", err
	}
	var tail []byte
	if size >= probeTailSize {
		tail = make([]byte, probeTailSize)
		if err := readFull(r, tail, size-probeTailSize); err != nil {
			return "", err
		}
	}
	var found []Format
	for _, d := range headDetectors {
		if d.detect(head) || (d.format == VPC && tail != nil && vhd.DetectFooter(tail)) {
			found = append(found, d.format)
		}
	}
	switch len(found) {
	case 0:
		return Raw, nil
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = string(f)
	}
	return "", newError(BackingAmbiguous, fmt.Sprintf("The backing file's bytes match several formats (%s)", strings.Join(names, ", ")))
}

// readFull reads len(p) bytes at off, mapping a short read or an I/O error
// to BackingReadFailed.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return wrapError(BackingReadFailed, fmt.Sprintf("Could not read %d bytes at offset %d of the backing file", len(p), off), err)
}
