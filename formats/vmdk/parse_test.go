package vmdk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// TestParseQemuImages parses images qemu-img made, of every subformat, and
// compares the result with what qemu-img info reports for them.
func TestParseQemuImages(t *testing.T) {
	testenv.RequireQemuImg(t)
	for _, c := range []struct {
		name, size string
		args       []string
		descFile   bool // a descriptor file: extents are named, not opened
	}{
		{"monolithicSparse", "1G", nil, false},
		{"streamOptimized", "3G", []string{"-o", "subformat=streamOptimized"}, false},
		{"zeroed grain lsilogic", "10M", []string{"-o", "zeroed_grain=on,adapter_type=lsilogic,hwversion=8"}, false},
		{"monolithicFlat", "1G", []string{"-o", "subformat=monolithicFlat"}, true},
		{"twoGbMaxExtentSparse", "5G", []string{"-o", "subformat=twoGbMaxExtentSparse"}, true},
		{"twoGbMaxExtentFlat", "4097M", []string{"-o", "subformat=twoGbMaxExtentFlat"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := qemuCreate(t, t.TempDir(), "img.vmdk", c.size, c.args...)
			q := infoJSON(t, path)
			qd := vmdkSpecific(t, q)
			info := parseFile(t, path).Info()

			if info.VirtualSize != jsonInt(t, q["virtual-size"]) {
				t.Errorf("virtual size %d, qemu %v", info.VirtualSize, q["virtual-size"])
			}
			if info.CID != uint32(jsonInt(t, qd["cid"])) || info.ParentCID != uint32(jsonInt(t, qd["parent-cid"])) {
				t.Errorf("cid %#x parent %#x, qemu %v %v", info.CID, info.ParentCID, qd["cid"], qd["parent-cid"])
			}
			if info.CreateType != qd["create-type"] {
				t.Errorf("create type %q, qemu %v", info.CreateType, qd["create-type"])
			}
			if cs, ok := q["cluster-size"]; ok && !c.descFile && info.ClusterSize != jsonInt(t, cs) {
				t.Errorf("cluster size %d, qemu %v", info.ClusterSize, cs)
			}
			qext, _ := qd["extents"].([]any)
			if len(qext) != len(info.Extents) {
				t.Fatalf("%d extents, qemu shows %d: %v", len(info.Extents), len(qext), qext)
			}
			for i, x := range qext {
				qx := x.(map[string]any)
				e := info.Extents[i]
				name := e.Filename
				if name == "" {
					name = "img.vmdk" // the image file itself
				}
				if qx["filename"] != name || qx["format"] != e.Format || jsonInt(t, qx["virtual-size"]) != e.VirtualSize {
					t.Errorf("extent %d: %+v, qemu %v", i, e, qx)
				}
				_, qc := qx["compressed"]
				if qc != e.Compressed {
					t.Errorf("extent %d compressed %v, qemu %v", i, e.Compressed, qx)
				}
				_, qcs := qx["cluster-size"]
				if qcs == e.Flat {
					t.Errorf("extent %d flat %v, qemu shows cluster-size %v", i, e.Flat, qcs)
				}
				if qcs && !c.descFile && jsonInt(t, qx["cluster-size"]) != e.ClusterSize {
					t.Errorf("extent %d cluster size %d, qemu %v", i, e.ClusterSize, qx["cluster-size"])
				}
			}
		})
	}
}

// TestParseQemuChild: a child made by qemu-img carries the parent's CID,
// which Parse reads back, and its hint verbatim.
func TestParseQemuChild(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	base := qemuCreate(t, dir, "base.vmdk", "16M")
	child := qemuCreate(t, dir, "child.vmdk", "16M", "-b", "./base.vmdk", "-F", "vmdk")
	q := infoJSON(t, child)
	parent, info := parseFile(t, base).Info(), parseFile(t, child).Info()
	if info.ParentCID != parent.CID || info.ParentCID != uint32(jsonInt(t, vmdkSpecific(t, q)["parent-cid"])) {
		t.Errorf("child parentCID %#x, parent CID %#x, qemu %v", info.ParentCID, parent.CID, vmdkSpecific(t, q)["parent-cid"])
	}
	if info.BackingFilename != "./base.vmdk" || info.BackingFilename != q["backing-filename"] || info.BackingFormat != q["backing-filename-format"] {
		t.Errorf("backing %q (%q), qemu %v (%v)", info.BackingFilename, info.BackingFormat, q["backing-filename"], q["backing-filename-format"])
	}
}

// TestParseDescriptorFileWithoutExtents: the virtual size of a descriptor
// file comes from its extent lines alone; the extent files need not exist
// (qemu-img would fail to open it, Parse does not try).
func TestParseDescriptorFileWithoutExtents(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	path := qemuCreate(t, dir, "split.vmdk", "5G", "-o", "subformat=twoGbMaxExtentFlat")
	want := jsonInt(t, infoJSON(t, path)["virtual-size"])
	for _, n := range []string{"split-f001.vmdk", "split-f002.vmdk", "split-f003.vmdk"} {
		testenv.Run(t, "rm", filepath.Join(dir, n))
	}
	im := parseFile(t, path)
	if got := im.Info().VirtualSize; got != want {
		t.Errorf("virtual size %d, qemu-img said %d with the extents present", got, want)
	}
	if !strings.Contains(strings.Join(im.Warnings, "\n"), "other files") {
		t.Errorf("no warning that data lives elsewhere: %q", im.Warnings)
	}
}

// TestDetect compares Detect with qemu-img's probe: a file qemu probes
// as vmdk either opens as vmdk or fails with a vmdk driver error; one it
// does not probe opens as raw.
func TestDetect(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for i, head := range []string{
		"KDMV\x01",
		"COWD",
		"# Disk DescriptorFile\nversion=1\n",
		"#c\n   \nversion=3\r\n",
		"\nversion=1\n",
		"version=4\n",
		"version=1",
		"QFI\xfb",
		"hello",
	} {
		path := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _, _ := testenv.RunErr(qemu, "info", "--output=json", path)
		qemuRaw := strings.Contains(string(out), `"format": "raw"`)
		if got := Detect([]byte(head)); got == qemuRaw {
			t.Errorf("Detect(%q) = %v, qemu-img probes raw: %v", head, got, qemuRaw)
		}
	}
}

// TestParseZeroCapacity: qemu-img creates a 0-byte vmdk it cannot open
// (a zero capacity with a descriptor offset reads as a descriptor file of
// type monolithicSparse); Parse refuses it the same way, and PlanImage
// does not make one.
func TestParseZeroCapacity(t *testing.T) {
	qemu := testenv.RequireQemuImg(t)
	path := qemuCreate(t, t.TempDir(), "zero.vmdk", "0")
	_, stderr, err := testenv.RunErr(qemu, "info", path)
	if err == nil || !strings.Contains(string(stderr), "Unsupported image type 'monolithicSparse'") {
		t.Fatalf("qemu-img info: %v %s", err, stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if _, err := Parse(f, st.Size()); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), `"monolithicSparse"`) {
		t.Errorf("Parse: %v", err)
	}
}

// TestParseSparseExtent reads the extent files of a qemu-made
// twoGbMaxExtentSparse image on their own; their capacity and grain size
// are what qemu-img shows for each extent.
func TestParseSparseExtent(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	path := qemuCreate(t, dir, "tg.vmdk", "5G", "-o", "subformat=twoGbMaxExtentSparse")
	qext, _ := vmdkSpecific(t, infoJSON(t, path))["extents"].([]any)
	if len(qext) != 3 {
		t.Fatalf("qemu shows %d extents", len(qext))
	}
	for _, x := range qext {
		qx := x.(map[string]any)
		name := qx["filename"].(string)
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := ParseSparseExtent(bytesReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if int64(h.Capacity)*SectorSize != jsonInt(t, qx["virtual-size"]) || int64(h.GrainSize)*SectorSize != jsonInt(t, qx["cluster-size"]) {
			t.Errorf("%s: capacity %d grain %d, qemu %v", name, h.Capacity, h.GrainSize, qx)
		}
		// The same file is no image on its own: it has no descriptor text.
		if _, err := Parse(bytesReader(b), int64(len(b))); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("Parse(%s): %v", name, err)
		}
	}
	if _, _, err := ParseSparseExtent(bytesReader([]byte("# Disk")), 6); !errors.Is(err, ErrNotVMDK) {
		t.Errorf("descriptor text as extent: %v", err)
	}
}

// TestParseQemuConverted parses a streamOptimized image qemu-img convert
// wrote with compressed grains, and the disk database of a created one.
func TestParseQemuConverted(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	raw := filepath.Join(dir, "d.raw")
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(raw, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s.vmdk")
	testenv.QemuImg(t, "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized,adapter_type=lsilogic,hwversion=8,toolsversion=77", raw, out)
	q := infoJSON(t, out)
	info := parseFile(t, out).Info()
	if info.VirtualSize != jsonInt(t, q["virtual-size"]) || info.CreateType != vmdkSpecific(t, q)["create-type"] || info.CID != uint32(jsonInt(t, vmdkSpecific(t, q)["cid"])) {
		t.Errorf("parsed %+v, qemu %v", info, q)
	}
	if info.AdapterType != "lsilogic" || info.HWVersion != "8" || info.ToolsVersion != "77" || info.Heads != "255" || info.Sectors != "63" {
		t.Errorf("disk database %+v", info)
	}
}
