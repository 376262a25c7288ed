package vmdk

import (
	"encoding/binary"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// sparseImage builds a small sparse file: a valid header (from a 1 MiB
// plan) with edit applied, then the descriptor text at sector 1.
func sparseImage(t testing.TB, edit func(b []byte), desc string) []byte {
	t.Helper()
	cid := uint32(0xabc)
	p, err := PlanImage(Options{Size: 1 << 20, FileName: "h.vmdk", CID: &cid})
	if err != nil {
		t.Fatal(err)
	}
	b := planBytes(t, p)
	if desc != "" {
		area := b[SectorSize : SectorSize*(1+descriptorSectors)]
		clear(area)
		copy(area, desc)
	}
	if edit != nil {
		edit(b)
	}
	return b
}

func put32(off int, v uint32) func([]byte) {
	return func(b []byte) { binary.LittleEndian.PutUint32(b[off:], v) }
}

func put64(off int, v uint64) func([]byte) {
	return func(b []byte) { binary.LittleEndian.PutUint64(b[off:], v) }
}

// countingReader is an io.ReaderAt of a claimed size that serves data for
// its first bytes and zeros after, and counts what is read.
type countingReader struct {
	data []byte
	read int64
}

func (r *countingReader) ReadAt(p []byte, off int64) (int, error) {
	r.read += int64(len(p))
	clear(p)
	if off < int64(len(r.data)) {
		copy(p, r.data[off:])
	}
	return len(p), nil
}

// TestHostile feeds damaged and malicious images to Parse: each must fail
// with the right class, quickly, reading little, whatever size it claims.
func TestHostile(t *testing.T) {
	base := "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
	manyExtents := base + strings.Repeat("RW 8 FLAT \"x.raw\" 0\n", 5000)
	for _, c := range []struct {
		name  string
		data  []byte
		claim int64 // size passed to Parse; 0 means len(data)
		want  error
		field string
		// qemuOpens marks inputs qemu-img 7.2 opens although Parse
		// refuses them: qemu reads the descriptor at 0x200 whatever the
		// header says, finds "CID" inside "parentCID", ignores lines it
		// does not need, takes any grain size and version ≤ 3, and
		// truncates a huge directory size to 32 bits. For all others
		// qemu-img info fails too.
		qemuOpens bool
	}{
		{"empty", nil, 0, ErrNotVMDK, "file", false},
		{"garbage", []byte("hello, world"), 0, ErrNotVMDK, "magic", false},
		{"magic only", []byte("KDMV"), 0, ErrCorrupt, "sparse header", false},
		{"version 4", sparseImage(t, put32(offVersion, 4), ""), 0, ErrUnsupported, "version", false},
		{"version 0", sparseImage(t, put32(offVersion, 0), ""), 0, ErrUnsupported, "version", true},
		{"capacity 2^64-1", sparseImage(t, put64(offCapacity, ^uint64(0)), ""), 0, ErrCorrupt, "capacity", false},
		{"capacity needing a huge directory", sparseImage(t, put64(offCapacity, 1<<50), ""), 0, ErrCorrupt, "capacity", true},
		{"grain size 0", sparseImage(t, put64(offGrainSize, 0), ""), 0, ErrCorrupt, "grainSize", false},
		{"grain size 3", sparseImage(t, put64(offGrainSize, 3), ""), 0, ErrCorrupt, "grainSize", true},
		{"grain size 2^40", sparseImage(t, put64(offGrainSize, 1<<40), ""), 0, ErrCorrupt, "grainSize", false},
		{"no grain table entries", sparseImage(t, put32(offNumGTEsPerGT, 0), ""), 0, ErrCorrupt, "numGTEsPerGT", false},
		{"grain tables too big", sparseImage(t, put32(offNumGTEsPerGT, 4096), ""), 0, ErrCorrupt, "numGTEsPerGT", false},
		{"overhead beyond EOF", sparseImage(t, put64(offOverHead, 1<<40), ""), 0, ErrCorrupt, "overHead", false},
		{"descriptor offset huge", sparseImage(t, put64(offDescriptorOffset, 1<<62), ""), 0, ErrCorrupt, "descriptor", true},
		{"descriptor size huge", sparseImage(t, put64(offDescriptorSize, 1<<62), ""), 0, ErrCorrupt, "descriptorSize", true},
		{"descriptor beyond EOF", sparseImage(t, put64(offDescriptorOffset, 1<<20), ""), 0, ErrCorrupt, "descriptorOffset", true},
		{"descriptor 1 GiB in a claimed 1 TiB file", sparseImage(t, put64(offDescriptorSize, 1<<21), ""), 1 << 40, ErrCorrupt, "descriptorSize", false},
		{"no descriptor", sparseImage(t, put64(offDescriptorOffset, 0), ""), 0, ErrUnsupported, "descriptorOffset", true},
		{"footer missing", sparseImage(t, put64(offGDOffset, gdAtEnd), ""), 0, ErrCorrupt, "footer", false},
		{"compression 7", sparseImage(t, func(b []byte) { b[offCompressAlgo] = 7 }, ""), 0, ErrUnsupported, "compressAlgorithm", true},
		{"NUL inside descriptor", sparseImage(t, nil, "version=1\nCID=1\x00parentCID=ffffffff\n"), 0, ErrCorrupt, "descriptor", false},
		{"unterminated quote", sparseImage(t, nil, "CID=1\nparentCID=ffffffff\ncreateType=\"monolithicSparse\n"), 0, ErrCorrupt, "createType", true},
		{"unterminated file name", sparseImage(t, nil, "CID=1\nparentCID=ffffffff\nRW 8 SPARSE \"h.vmdk\n"), 0, ErrCorrupt, "extent line", true},
		{"no CID", sparseImage(t, nil, "parentCID=ffffffff\n"), 0, ErrCorrupt, "CID", true},
		{"CID not hex", sparseImage(t, nil, "CID=xyz\nparentCID=ffffffff\n"), 0, ErrCorrupt, "CID", false},
		{"CID twice", sparseImage(t, nil, "CID=1\nCID=2\nparentCID=ffffffff\n"), 0, ErrCorrupt, "CID", true},
		{"descriptor version 9", sparseImage(t, nil, "version=9\nCID=1\nparentCID=ffffffff\n"), 0, ErrUnsupported, "version", true},
		{"COWD", append([]byte("COWD"), make([]byte, 508)...), 0, ErrUnsupported, "magic", false},
		{"thousands of extent lines", []byte(manyExtents), 0, ErrCorrupt, "extent line", false},
		{"descriptor file of 1 TiB", []byte(base), 1 << 40, ErrCorrupt, "descriptor", false},
		{"extent size 2^63 sectors", []byte(base + "RW 9223372036854775807 FLAT \"a\" 0\n"), 0, ErrCorrupt, "extent line", false},
		{"extent sizes overflow", []byte(base + strings.Repeat("RW 9007199254740991 FLAT \"a\" 0\n", 3)), 0, ErrCorrupt, "extent line", false},
		{"flat extent without offset", []byte(base + "RW 8 FLAT \"a\"\n"), 0, ErrCorrupt, "extent line", false},
		{"sparse extent with offset", []byte(base + "RW 8 SPARSE \"a\" 0\n"), 0, ErrCorrupt, "extent line", false},
		{"no extents", []byte(base), 0, ErrCorrupt, "extent line", false},
		{"unknown create type", []byte(strings.Replace(base, "monolithicFlat", "custom", 1) + "RW 8 FLAT \"a\" 0\n"), 0, ErrUnsupported, "createType", false},
		{"junk line", []byte(base + "this is not a line\n"), 0, ErrCorrupt, "descriptor line", false},
		{"NUL in descriptor file", []byte(base + "RW 8 FLAT \"a\x00\" 0\n"), 0, ErrCorrupt, "descriptor", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			size := c.claim
			if size == 0 {
				size = int64(len(c.data))
			}
			r := &countingReader{data: c.data}
			start := time.Now()
			_, err := Parse(r, size)
			var fe *FormatError
			if !errors.Is(err, c.want) || !errors.As(err, &fe) || !strings.Contains(fe.Field, c.field) {
				t.Fatalf("Parse: %v; want %v in a field containing %q", err, c.want, c.field)
			}
			if r.read > 2<<20 {
				t.Errorf("read %d bytes", r.read)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			if c.claim != 0 || len(c.data) == 0 {
				return // a claimed size cannot be shown to qemu-img
			}
			path := filepath.Join(t.TempDir(), "h.vmdk")
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, qerr := testenv.RunErr(testenv.RequireQemuImg(t), "info", "-f", "vmdk", path)
			if (qerr != nil) != !c.qemuOpens {
				t.Errorf("qemu-img info: %v %s (want it to open: %v)", qerr, stderr, c.qemuOpens)
			}
		})
	}
}

// TestHostileExtentNames: names such as /etc/shadow are returned as data
// and flagged, never followed.
func TestHostileExtentNames(t *testing.T) {
	desc := "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n" +
		"RW 2048 FLAT \"/etc/shadow\" 0\nRW 2048 FLAT \"../../x\" 0\nRDONLY 8 FLAT \"ro\" 0\nRW 8 ZERO \"z\"\n"
	im, err := Parse(strings.NewReader(desc), int64(len(desc)))
	if err != nil {
		t.Fatal(err)
	}
	info := im.Info()
	if info.VirtualSize != 2*2048*SectorSize || len(info.Extents) != 2 || info.Extents[0].Filename != "/etc/shadow" {
		t.Errorf("info %+v", info)
	}
	w := strings.Join(im.Warnings, "\n")
	for _, want := range []string{"absolute path", "another directory", "only RW", "ZERO"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
}

// TestNoFileAccess: the package's non-test code imports nothing that can
// open a file, so no name read from an image can ever be opened.
func TestNoFileAccess(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch p {
			case "os", "io/fs", "io/ioutil", "path/filepath", "syscall", "os/exec", "net", "unsafe":
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}

// TestLongCommentDescriptor: a descriptor file may open with comments
// longer than one sector; qemu probes 2 KiB of the file, Parse 4 KiB.
func TestLongCommentDescriptor(t *testing.T) {
	desc := "# " + strings.Repeat("c", 1500) + "\nversion=1\nCID=1\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\nRW 8 FLAT \"a\" 0\n"
	im, err := Parse(strings.NewReader(desc), int64(len(desc)))
	if err != nil || im.Info().VirtualSize != 8*SectorSize {
		t.Fatalf("Parse: %v", err)
	}
}
