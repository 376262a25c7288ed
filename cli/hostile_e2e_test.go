package main

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// craft is one corruption of a qemu-made image of format base: value is
// written at offset, big-endian or little-endian, in size bytes (1, 2, 4
// or 8); then the checksum covering the field is recomputed, so that the
// parser gets past it to the field itself.
type craft struct {
	name   string
	base   string // the qemu-img format of the image to corrupt
	offset int64
	size   int
	value  uint64
	little bool
}

// Where the checksummed structures of a qemu-made image lie (VHD spec
// "Hard Disk Footer Format" / "Dynamic Disk Header Format"; MS-VHDX 2.2
// region table, CRC-32C over 64 KiB, and its copy).
const (
	vhdFooterLen    = 512
	vhdFooterSum    = 64
	vhdDynOff       = 512
	vhdDynLen       = 1024
	vhdDynSum       = 36
	vhdxRegionOff   = 192 << 10
	vhdxRegion2Off  = 256 << 10
	vhdxRegionLen   = 64 << 10
	vhdxRegionSum   = 4
	vhdxRegionCount = 8
	vhdxEntryOffset = 16 + 16 // the first entry's file offset
)

// crafts corrupt header fields that size buffers, loops and offsets:
// qcow2 (QEMU docs/interop/qcow2.txt header), VHD (footer and dynamic
// header, big-endian), VHDX (region table, little-endian) and VMDK
// (sparse extent header, little-endian).
var crafts = []craft{
	{"qcow2-backing-offset", "qcow2", 8, 8, 1 << 62, false},
	{"qcow2-backing-size", "qcow2", 16, 4, 0xffffffff, false},
	{"qcow2-cluster-bits", "qcow2", 20, 4, 63, false},
	{"qcow2-size", "qcow2", 24, 8, 1<<63 - 1, false},
	{"qcow2-l1-size", "qcow2", 36, 4, 0xffffffff, false},
	{"qcow2-l1-offset", "qcow2", 40, 8, 1<<63 - 512, false},
	{"qcow2-refcount-clusters", "qcow2", 56, 4, 0xffffffff, false},
	{"qcow2-header-length", "qcow2", 100, 4, 0xffffffff, false},
	{"vpc-data-offset", "vpc", 16, 8, 1<<63 - 1, false},
	{"vpc-size", "vpc", 48, 8, 1<<63 - 1, false},
	{"vpc-table-offset", "vpc", vhdDynOff + 16, 8, 1<<63 - 1, false},
	{"vpc-bat-entries", "vpc", vhdDynOff + 28, 4, 0xffffffff, false},
	{"vpc-block-size", "vpc", vhdDynOff + 32, 4, 0xffffffff, false},
	{"vhdx-region-count", "vhdx", vhdxRegionCount, 4, 0xffffffff, true},
	{"vhdx-region-offset", "vhdx", vhdxEntryOffset, 8, 1<<63 - 1, true},
	{"vhdx-region-length", "vhdx", vhdxEntryOffset + 8, 4, 0xffffffff, true},
	{"vmdk-capacity", "vmdk", 12, 8, 1<<63 - 1, true},
	{"vmdk-grain-size", "vmdk", 20, 8, 1 << 40, true},
	{"vmdk-descriptor-size", "vmdk", 36, 8, 1 << 40, true},
	{"vmdk-gtes-per-gt", "vmdk", 44, 4, 0xffffffff, true},
}

// TestCraftedHeaders feeds images with hostile header fields to instar
// info, and as backing files to instar create, in both sandboxes: each run
// must end promptly with a result or a clean error (the helper's time
// limit catches a hang), a failed create leaves no file, and the KVM guest
// and the in-process parser must agree byte for byte.
func TestCraftedHeaders(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"qcow2", "vpc", "vhdx", "vmdk"} {
		qemuImg(t, dir, "create", "-q", "-f", f, "base."+f, "8M")
	}
	for _, c := range crafts {
		b, err := os.ReadFile(filepath.Join(dir, "base."+c.base))
		if err != nil {
			t.Fatal(err)
		}
		c.apply(b)
		if err := os.WriteFile(filepath.Join(dir, c.name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	results := map[string]map[string]result{}
	inSandbox(t, func(t *testing.T, sandbox string) {
		got := map[string]result{}
		for _, c := range crafts {
			r := instar(t, dir, "info", "--output=json", sandbox, c.name)
			if r.status != 0 && (r.status != 1 || !strings.HasPrefix(r.stderr, "instar: ") || strings.Contains(r.stderr, "goroutine ")) {
				t.Errorf("%s: exit %d, stderr:\n%s", c.name, r.status, r.stderr)
			}
			got[c.name] = r
			// The same file as a backing: a clean outcome, and no file
			// left behind when the create fails.
			child := strings.TrimPrefix(sandbox, "--sandbox=") + "-" + c.name + ".qcow2"
			r = instar(t, dir, "create", "-q", sandbox, "-f", "qcow2", "-b", c.name, "-F", c.base, child)
			switch {
			case r.status == 0:
				testenv.QemuCheck(t, "qcow2", filepath.Join(dir, child))
			case r.status != 1 || !strings.HasPrefix(r.stderr, "instar: ") || strings.Contains(r.stderr, "goroutine "):
				t.Errorf("create over %s: exit %d, stderr:\n%s", c.name, r.status, r.stderr)
			default:
				noFile(t, dir, child)
			}
			got["create "+c.name] = r
		}
		results[sandbox] = got
	})
	kvm, none := results["--sandbox=kvm"], results["--sandbox=none"]
	for key, k := range kvm {
		if n, ok := none[key]; ok && (k.status != n.status || k.stdout != n.stdout) {
			t.Errorf("%s: the KVM guest and the in-process parser disagree: %s", key, describeDiff(k, n))
		}
	}
}

// apply writes the craft's field into an image and fixes the checksums
// over it. A VHDX region-table field is written into both copies.
func (c craft) apply(b []byte) {
	put := func(off int64) {
		var field [8]byte
		if c.little {
			binary.LittleEndian.PutUint64(field[:], c.value)
			copy(b[off:], field[:c.size])
		} else {
			binary.BigEndian.PutUint64(field[:], c.value)
			copy(b[off:], field[8-c.size:])
		}
	}
	switch c.base {
	case "vpc":
		put(c.offset)
		vhdChecksum(b[:vhdFooterLen], vhdFooterSum)
		vhdChecksum(b[len(b)-vhdFooterLen:], vhdFooterSum)
		vhdChecksum(b[vhdDynOff:vhdDynOff+vhdDynLen], vhdDynSum)
		if c.offset < vhdFooterLen {
			copy(b[len(b)-vhdFooterLen:], b[:vhdFooterLen])
		}
	case "vhdx":
		for _, table := range []int64{vhdxRegionOff, vhdxRegion2Off} {
			put(table + c.offset)
			region := b[table : table+vhdxRegionLen]
			binary.LittleEndian.PutUint32(region[vhdxRegionSum:], 0)
			binary.LittleEndian.PutUint32(region[vhdxRegionSum:], crc32.Checksum(region, crc32.MakeTable(crc32.Castagnoli)))
		}
	default:
		put(c.offset)
	}
}

// vhdChecksum stores the one's complement of the byte sum of a VHD footer
// or dynamic header (its checksum field counted as zero) at sum.
func vhdChecksum(h []byte, sum int) {
	binary.BigEndian.PutUint32(h[sum:], 0)
	var total uint32
	for _, x := range h {
		total += uint32(x)
	}
	binary.BigEndian.PutUint32(h[sum:], ^total)
}

func describeDiff(k, n result) string {
	return fmt.Sprintf("kvm exit %d %q%q, none exit %d %q%q", k.status, k.stdout, k.stderr, n.status, n.stdout, n.stderr)
}
