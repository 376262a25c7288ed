package create

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/formats/vhd"
	"github.com/instar-go/instar/formats/vhdx"
	"github.com/instar-go/instar/internal/testenv"
)

// parentCase is a backing file made by qemu-img.
type parentCase struct {
	format Format
	opts   string // -o for qemu-img create, "" for none
	size   string
}

// parentCases cover every subformat of every format instar reads.
var parentCases = []parentCase{
	{Raw, "", "1M"},
	{Raw, "", "1000"},
	{Qcow2, "", "1G"},
	{Qcow2, "cluster_size=512", "10M"},
	{Qcow2, "cluster_size=2M,compat=0.10", "3G"},
	{Qcow2, "extended_l2=on,lazy_refcounts=on", "1000"},
	{VMDK, "", "1G"},
	{VMDK, "subformat=streamOptimized", "100M"},
	{VMDK, "subformat=monolithicFlat", "5M"},
	{VMDK, "subformat=twoGbMaxExtentSparse", "5G"},
	{VMDK, "subformat=twoGbMaxExtentFlat", "3M"},
	{VMDK, "zeroed_grain=on,adapter_type=lsilogic", "7M"},
	{VPC, "", "1G"},
	{VPC, "", "10M"},
	{VPC, "force_size=on", "10M"},
	{VPC, "subformat=fixed", "10M"},
	{VPC, "subformat=fixed,force_size=on", "3M"},
	{VHDX, "", "100M"},
	{VHDX, "", "2G"},
	{VHDX, "block_size=1M", "64M"},
	{VHDX, "block_size=32M", "1G"},
	{VHDX, "block_size=256M", "1G"},
	{VHDX, "subformat=fixed,block_size=1M", "8M"},
	{VHDX, "log_size=4M", "16M"},
}

// makeParent creates one parent with qemu-img and returns its path.
func makeParent(t *testing.T, dir string, i int, c parentCase) string {
	t.Helper()
	path := filepath.Join(dir, "parent"+string(rune('a'+i))+"."+string(c.format))
	args := []string{"create", "-q", "-f", string(c.format)}
	if c.opts != "" {
		args = append(args, "-o", c.opts)
	}
	testenv.QemuImg(t, append(args, path, c.size)...)
	return path
}

// qemuNumber reads an integer field of qemu-img info's JSON.
func qemuNumber(m map[string]any, key string) int64 {
	v, _ := m[key].(float64)
	return int64(v)
}

// TestLookupBackingMatchesQemu checks the detected format, virtual size and
// cluster size of parents made by qemu-img against `qemu-img info`, and the
// parent identity against what the format packages parse.
func TestLookupBackingMatchesQemu(t *testing.T) {
	dir := t.TempDir()
	for i, c := range parentCases {
		path := makeParent(t, dir, i, c)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := string(c.format) + " " + c.opts + " " + c.size
		b, err := LookupBacking(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		info := testenv.QemuInfo(t, string(c.format), path)
		if b.Format != c.format {
			t.Errorf("%s: detected %s", name, b.Format)
		}
		if want := qemuNumber(info, "virtual-size"); b.VirtualSize != want {
			t.Errorf("%s: virtual size %d, qemu-img info %d", name, b.VirtualSize, want)
		}
		// A VMDK descriptor file has no grain size of its own: qemu shows
		// its first extent's, a file the lookup never opens.
		descriptorOnly := c.format == VMDK && (strings.Contains(c.opts, "twoGb") || strings.Contains(c.opts, "Flat"))
		if want := qemuNumber(info, "cluster-size"); b.ClusterSize != want && !(descriptorOnly && b.ClusterSize == 0) {
			t.Errorf("%s: cluster size %d, qemu-img info %d", name, b.ClusterSize, want)
		}
		switch c.format {
		case VMDK:
			data, _ := info["format-specific"].(map[string]any)["data"].(map[string]any)
			if want := int64(data["cid"].(float64)); int64(b.CID) != want {
				t.Errorf("%s: CID %08x, qemu-img info %08x", name, b.CID, want)
			}
			if ct := data["create-type"]; b.Subformat != ct {
				t.Errorf("%s: create type %q, qemu-img info %q", name, b.Subformat, ct)
			}
		case VPC:
			img, err := vhd.Parse(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if in := img.Info(); b.UUID != in.UUID || b.Timestamp != uint32(in.Timestamp) {
				t.Errorf("%s: identity %x/%d, vhd.Parse %x/%d", name, b.UUID, b.Timestamp, in.UUID, in.Timestamp)
			}
		case VHDX:
			img, err := vhdx.Parse(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if in := img.Info(); b.DataWriteGUID != in.DataWriteGUID || b.DataWriteGUID == ([16]byte{}) {
				t.Errorf("%s: DataWriteGUID %x, vhdx.Parse %x", name, b.DataWriteGUID, in.DataWriteGUID)
			}
		}
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errors.New("device gone") }

// TestLookupBackingErrors checks each failure gets its own code.
func TestLookupBackingErrors(t *testing.T) {
	dir := t.TempDir()
	fixed := readFile(t, makeParent(t, dir, 0, parentCase{VPC, "subformat=fixed", "4M"}))
	dynVHDX := readFile(t, makeParent(t, dir, 1, parentCase{VHDX, "", "8M"}))

	// "vhdxfile" at the start of a fixed VHD: both formats match.
	ambiguous := bytes.Clone(fixed)
	copy(ambiguous, "vhdxfile")

	// A differencing VHD and VHDX made by instar from those parents.
	diffVHD := createBytes(t, &Request{Format: "vpc", Filename: "c.vhd", BackingFile: "p.vhd", BackingFormat: "vpc"}, readFile(t, makeParent(t, dir, 2, parentCase{VPC, "", "4M"})))
	diffVHDX := createBytes(t, &Request{Format: "vhdx", Filename: "c.vhdx", BackingFile: "p.vhdx", BackingFormat: "vhdx"}, dynVHDX)

	// A qcow2 image with an incompatible feature qemu does not know: the
	// format is recognised but its contents cannot be trusted.
	unknownFeature := createBytes(t, &Request{Format: "qcow2", Filename: "q", Size: "1M"}, nil)
	binary.BigEndian.PutUint64(unknownFeature[72:], 1<<63)
	// A sparse VMDK whose header claims version 4.
	vmdk4 := createBytes(t, &Request{Format: "vmdk", Filename: "v", Size: "1M"}, nil)
	binary.LittleEndian.PutUint32(vmdk4[4:], 4)

	for _, c := range []struct {
		name string
		r    interface {
			ReadAt([]byte, int64) (int, error)
		}
		size int64
		want Code
	}{
		{"read error", failingReader{}, 1 << 20, BackingReadFailed},
		{"size beyond the bytes", bytes.NewReader(dynVHDX[:100]), int64(len(dynVHDX)), BackingReadFailed},
		{"truncated vhdx", bytes.NewReader(dynVHDX[:300<<10]), 300 << 10, BackingParseFailed},
		{"ambiguous", bytes.NewReader(ambiguous), int64(len(ambiguous)), BackingAmbiguous},
		{"unknown qcow2 feature", bytes.NewReader(unknownFeature), int64(len(unknownFeature)), BackingNotSizeable},
		{"vmdk version 4", bytes.NewReader(vmdk4), int64(len(vmdk4)), BackingNotSizeable},
		{"truncated qcow2", bytes.NewReader(unknownFeature[:64]), 64, BackingParseFailed},
		{"differencing vhd", bytes.NewReader(diffVHD), int64(len(diffVHD)), BackingDifferencing},
		{"differencing vhdx", bytes.NewReader(diffVHDX), int64(len(diffVHDX)), BackingDifferencing},
	} {
		_, err := LookupBacking(c.r, c.size)
		if CodeOf(err) != c.want {
			t.Errorf("%s: code %v (%v), want %v", c.name, CodeOf(err), err, c.want)
		}
	}
}

// readFile returns a file's bytes.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memWriter is an io.WriterAt into memory.
type memWriter struct{ b []byte }

func (w *memWriter) WriteAt(p []byte, off int64) (int, error) {
	if end := off + int64(len(p)); end > int64(len(w.b)) {
		w.b = append(w.b, make([]byte, end-int64(len(w.b)))...)
	}
	copy(w.b[off:], p)
	return len(p), nil
}

// createBytes runs Create in memory with backing bytes (nil for none).
func createBytes(t testing.TB, req *Request, backing []byte) []byte {
	t.Helper()
	var w memWriter
	var err error
	if backing != nil {
		_, err = Create(req, bytes.NewReader(backing), int64(len(backing)), &w)
	} else {
		_, err = Create(req, nil, 0, &w)
	}
	if err != nil {
		t.Fatalf("Create %+v: %v", req, err)
	}
	return w.b
}
