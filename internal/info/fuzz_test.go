package info

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// FuzzInspect feeds arbitrary bytes to Inspect, probing and with every
// format forced (and to CompleteExtents, as the extent files of a VMDK
// descriptor). Whatever it returns must be a clean error or an Image that
// validates, survives the JSON round trip across the sandbox boundary
// unchanged, and renders both ways.
//
// Seeds: the hostile table, and small images of every format and subformat
// that qemu-img makes when it is installed — except vhdx, whose smallest
// image is 8 MiB, too large to fuzz; formats/vhdx fuzzes its own parser.
func FuzzInspect(f *testing.F) {
	for _, data := range hostileInputs() {
		f.Add(data)
	}
	for _, data := range qemuSeeds(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"", formatRaw, formatQcow2, formatVMDK, "vpc", "vhdx", FormatSparseExtent} {
			im, err := Inspect(bytes.NewReader(data), int64(len(data)), format)
			if err != nil {
				continue
			}
			// Every extent file "is" the same bytes, read as a bare extent.
			err = im.CompleteExtents("dir/f", func(ExtentFile) (*Image, error) {
				return Inspect(bytes.NewReader(data), int64(len(data)), FormatSparseExtent)
			})
			if err != nil {
				continue
			}
			if err := im.Validate(); err != nil {
				t.Fatalf("format %q: Inspect result does not validate: %v", format, err)
			}
			wire, err := json.Marshal(im)
			if err != nil {
				t.Fatal(err)
			}
			var back Image
			if err := json.Unmarshal(wire, &back); err != nil {
				t.Fatal(err)
			}
			if err := back.Validate(); err != nil {
				t.Fatalf("format %q: decoded Image does not validate: %v", format, err)
			}
			if !reflect.DeepEqual(im, &back) {
				t.Fatalf("format %q: JSON round trip changed the image:\n%+v\n%+v", format, im, back)
			}
			e := []Entry{{Filename: "dir/f", ActualSize: int64(len(data)), Image: &back}}
			var b bytes.Buffer
			if err := WriteHuman(&b, e); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&b, e, true); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// qemuSeeds returns small images qemu-img makes, one per format and
// subformat, or none when qemu-img is not installed (the hostile seeds still
// run; under CI a missing qemu-img fails as everywhere).
func qemuSeeds(f *testing.F) [][]byte {
	if _, err := exec.LookPath("qemu-img"); err != nil && !testenv.InCI() {
		return nil
	}
	dir := f.TempDir()
	var seeds [][]byte
	for i, args := range [][]string{
		{"-f", "qcow2", "-o", "cluster_size=512"},
		{"-f", "qcow2", "-o", "cluster_size=512,compat=0.10"},
		{"-f", "qcow2", "-o", "cluster_size=16k,extended_l2=on,lazy_refcounts=on", "-u", "-b", "base.qcow2", "-F", "qcow2"},
		{"-f", "vmdk"},
		{"-f", "vmdk", "-o", "subformat=streamOptimized"},
		{"-f", "vmdk", "-o", "subformat=monolithicFlat"},
		{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse"},
		{"-f", "vpc"},
		{"-f", "vpc", "-o", "subformat=fixed"},
	} {
		p := filepath.Join(dir, "seed"+string(rune('a'+i)))
		testenv.QemuImg(f, append(append([]string{"create", "-q"}, args...), p, "1M")...)
		extents, err := filepath.Glob(p + "-*") // extent files of a descriptor
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range append([]string{p}, extents...) {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	return seeds
}

// FuzzDecodeImage plays a subverted guest: arbitrary bytes as the JSON of
// an Image. Decoding must fail cleanly, or Validate must refuse, or the
// image must render both ways (after CompleteExtents) without panicking —
// this is the code the host runs on guest output.
func FuzzDecodeImage(f *testing.F) {
	for _, data := range hostileInputs() {
		if im, err := Inspect(bytes.NewReader(data), int64(len(data)), ""); err == nil {
			if wire, err := json.Marshal(im); err == nil {
				f.Add(wire)
			}
		}
	}
	for _, seed := range []string{
		`{"format":"qcow2","virtual_size":1,"has_dirty_flag":true,"backing_filename":"\u001b[2J","qcow2":{"compat":"1.1","compression_type":"zlib","refcount_bits":16}}`,
		`{"format":"vmdk","virtual_size":1,"vmdk":{"create_type":"x","cid":1,"parent_cid":2,"extents":[{"filename":"a","needs_header":true},{"flat":true}]}}`,
		`{"format":"raw","virtual_size":0,"has_dirty_flag":true,"backing_filename":"/w==","base64":["backing_filename"]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		var im Image
		if err := json.Unmarshal(wire, &im); err != nil {
			return
		}
		if err := im.Validate(); err != nil {
			return
		}
		ext := &Image{Format: formatVMDK, VMDK: &VMDKSpecific{Extents: []VMDKExtent{{VirtualSize: 512, ClusterSize: 65536}}}}
		if err := im.CompleteExtents("d/x", func(ExtentFile) (*Image, error) { return ext, nil }); err != nil {
			return
		}
		e := []Entry{{Filename: "d/x", ActualSize: 4096, Image: &im}}
		var b bytes.Buffer
		if err := WriteHuman(&b, e); err != nil {
			t.Fatalf("WriteHuman of a valid image: %v", err)
		}
		if err := WriteJSON(&b, e, true); err != nil {
			t.Fatalf("WriteJSON of a valid image: %v", err)
		}
		// The host's path helpers see guest names too; they must not panic.
		_ = im.ExtentFiles("d/x")
		_ = FullBackingFilename("d/x", im.BackingFilename)
	})
}
