package qcow2

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/instar-go/instar/internal/testenv"
)

// infoAsQemuJSON renders Info with the keys and JSON types of
// `qemu-img info --output=json`, leaving out what only the host knows:
// filename, actual-size, and full-backing-filename (the backing name
// resolved against the image's directory, host path policy).
func infoAsQemuJSON(t *testing.T, in Info) map[string]any {
	t.Helper()
	b, err := json.Marshal(in.FormatSpecific())
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{
		"virtual-size":    float64(in.VirtualSize),
		"cluster-size":    float64(in.ClusterSize),
		"format":          FormatName,
		"dirty-flag":      in.Dirty,
		"format-specific": map[string]any{"type": FormatName, "data": data},
	}
	if in.BackingFile != "" {
		m["backing-filename"] = in.BackingFile
		if in.BackingFormat != "" {
			m["backing-filename-format"] = in.BackingFormat
		}
	}
	if in.Encrypted {
		m["encrypted"] = true
	}
	return m
}

// qemuInfoComparable drops the keys infoAsQemuJSON leaves out, for the
// reasons given there.
func qemuInfoComparable(m map[string]any) map[string]any {
	for _, k := range []string{"filename", "actual-size", "full-backing-filename"} {
		delete(m, k)
	}
	return m
}

// checkFormatSpecificOrder compares FormatSpecific's JSON text with qemu's
// "format-specific" "data" object byte for byte (compacted), so that key
// order matches too, which consumers parsing the text may rely on.
func checkFormatSpecificOrder(t *testing.T, path string, in Info) {
	t.Helper()
	var out struct {
		FormatSpecific struct {
			Data json.RawMessage `json:"data"`
		} `json:"format-specific"`
	}
	raw := testenv.QemuImg(t, "info", "--output=json", "-f", "qcow2", path)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, out.FormatSpecific.Data); err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(in.FormatSpecific())
	if err != nil {
		t.Fatal(err)
	}
	if want.String() != string(got) {
		t.Errorf("format-specific data:\n qemu   %s\n instar %s", want.String(), got)
	}
}

func parseFile(t *testing.T, path string) (*Image, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return img, b
}

// TestParseQemuImages parses images qemu-img makes at test time and
// compares the summary with what qemu-img info reports for them.
func TestParseQemuImages(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := scratchDir(t)
	base := filepath.Join(dir, "base.qcow2")
	testenv.QemuImg(t, "create", "-q", "-f", "qcow2", base, "3M")
	cases := []struct {
		name string
		args []string
	}{
		{"default", []string{"1G"}},
		{"tiny", []string{"512"}},
		{"odd", []string{"1000"}},
		{"v2", []string{"-o", "compat=0.10", "1610612736"}},
		{"v2-backing", []string{"-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2"}},
		{"backing", []string{"-b", "base.qcow2", "-F", "qcow2", "5M"}},
		{"backing-raw-fmt", []string{"-b", "base.qcow2", "-F", "raw", "5M"}},
		{"zstd-lazy", []string{"-o", "compression_type=zstd,lazy_refcounts=on", "20G"}},
		{"extended-l2", []string{"-o", "extended_l2=on,cluster_size=16k", "1G"}},
		{"refcount1", []string{"-o", "refcount_bits=1,cluster_size=512", "10M"}},
		{"refcount64", []string{"-o", "refcount_bits=64,cluster_size=2M", "100G"}},
		{"metadata", []string{"-o", "preallocation=metadata,cluster_size=4k", "30M"}},
		{"data-file", []string{"-o", "data_file=data.raw,data_file_raw=on", "1M"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".qcow2")
			args := append([]string{"create", "-q", "-f", "qcow2"}, c.args[:len(c.args)-1]...)
			last := c.args[len(c.args)-1]
			if strings.HasPrefix(last, "qcow2") || last == "raw" {
				args = append(args, last, p) // backing format was last: size comes from the backing
			} else {
				args = append(args, p, last)
			}
			testenv.QemuImg(t, args...)
			img, _ := parseFile(t, p)
			want := qemuInfoComparable(testenv.QemuInfo(t, "qcow2", p))
			if diff := cmp.Diff(want, infoAsQemuJSON(t, img.Info())); diff != "" {
				t.Errorf("Info differs from qemu-img info (-qemu +instar):\n%s", diff)
			}
			checkFormatSpecificOrder(t, p, img.Info())
			if img.Header.Version == 3 && img.Header.ClusterSize() > featureTableMinCluster && !cmp.Equal(img.FeatureNames, KnownFeatures) {
				t.Errorf("feature name table = %v, want qemu's %v", img.FeatureNames, KnownFeatures)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		head []byte
		want bool
	}{
		{[]byte("QFI\xfb\x00\x00\x00\x03"), true},
		{[]byte("QFI\xfb\x00\x00\x00\x02rest"), true},
		{[]byte("QFI\xfb\x00\x00\x00\x01"), false}, // qcow version 1 is another format
		{[]byte("QFI\xfb\x00\x00"), false},
		{[]byte("KDMV\x01\x00\x00\x00"), false},
		{nil, false},
	} {
		if got := Detect(c.head); got != c.want {
			t.Errorf("Detect(%q) = %v, want %v", c.head, got, c.want)
		}
	}
}

func TestParseNotQcow2(t *testing.T) {
	b := make([]byte, 4096)
	copy(b, "KDMV")
	_, err := Parse(bytes.NewReader(b), int64(len(b)))
	if !errors.Is(err, ErrNotQcow2) {
		t.Fatalf("Parse(vmdk magic) = %v, want ErrNotQcow2", err)
	}
}
