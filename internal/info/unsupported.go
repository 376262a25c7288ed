package info

import (
	"bytes"
	"encoding/binary"
)

// Formats qemu-img 7.2 probes by signature that instar does not parse. Each
// check is the condition of the qemu driver's probe function, so a file is
// refused here exactly when qemu-img would have opened it as that format
// instead of raw.
var unsupportedProbes = []struct {
	name  string
	match func(head []byte) bool
}{
	// block/qcow.c qcow_probe: QCowHeader (48 bytes), magic, version 1.
	{"qcow (version 1)", func(h []byte) bool {
		return len(h) >= 48 && bytes.HasPrefix(h, []byte("QFI\xfb")) && binary.BigEndian.Uint32(h[4:]) == 1
	}},
	// block/qed.c bdrv_qed_probe: QEDHeader (64 bytes), little-endian magic.
	{"QED", func(h []byte) bool {
		return len(h) >= 64 && bytes.HasPrefix(h, []byte("QED\x00"))
	}},
	// block/vdi.c vdi_probe: VdiHeader (512 bytes), signature at 0x40.
	{"VDI", func(h []byte) bool {
		return len(h) >= 512 && binary.LittleEndian.Uint32(h[0x40:]) == 0xbeda107f
	}},
	// crypto/block-luks.c has_format: magic and big-endian version 1.
	{"LUKS", func(h []byte) bool {
		return len(h) >= 8 && bytes.HasPrefix(h, []byte("LUKS\xba\xbe")) && binary.BigEndian.Uint16(h[6:]) == 1
	}},
	// block/parallels.c parallels_probe: ParallelsHeader (64 bytes), one of
	// two magics, version 2.
	{"Parallels", func(h []byte) bool {
		return len(h) >= 64 &&
			(bytes.HasPrefix(h, []byte("WithoutFreeSpace")) || bytes.HasPrefix(h, []byte("WithouFreSpacExt"))) &&
			binary.LittleEndian.Uint32(h[16:]) == 2
	}},
}

// detectUnsupported names the unsupported format the probe buffer matches,
// or returns "".
func detectUnsupported(head []byte) string {
	for _, p := range unsupportedProbes {
		if p.match(head) {
			return p.name
		}
	}
	return ""
}
