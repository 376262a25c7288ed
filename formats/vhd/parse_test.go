package vhd

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/instar-go/instar/internal/testenv"
)

// TestParseQemuImages parses qemu-img's images and checks Info against
// qemu-img info (virtual size, cluster size, probed format) and vhdiinfo
// (identifier, disk type), and the time stamp against the clock.
func TestParseQemuImages(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for _, size := range []int64{1 << 20, 10<<20 + 1, 1 << 30, 127 << 30, MaxVirtualSize} {
		for _, po := range planOptions {
			t.Run(fmt.Sprintf("%d/%s", size, po.o), func(t *testing.T) {
				before := time.Now().Add(-time.Second)
				path := qemuCreate(t, dir, "q.vhd", po.o, size)
				after := time.Now().Add(time.Second)
				img, err := parseFile(t, path)
				if err != nil {
					t.Fatal(err)
				}
				inf := img.Info()
				q := testenv.QemuInfo(t, "vpc", path)
				if got, want := float64(inf.VirtualSize), q["virtual-size"]; got != want {
					t.Errorf("VirtualSize %v, qemu-img %v", got, want)
				}
				wantCluster, _ := q["cluster-size"].(float64) // absent for fixed
				if float64(inf.ClusterSize) != wantCluster {
					t.Errorf("ClusterSize %d, qemu-img %v", inf.ClusterSize, q["cluster-size"])
				}
				probed := testenv.QemuInfo(t, "", path)["format"] == "vpc"
				if inf.ProbesAsVPC != probed {
					t.Errorf("ProbesAsVPC %v, qemu-img probes as %v", inf.ProbesAsVPC, testenv.QemuInfo(t, "", path)["format"])
				}
				head, tail := fileEnds(t, path)
				if Detect(head) != probed {
					t.Errorf("Detect %v, qemu-img probed vpc %v", Detect(head), probed)
				}
				if DetectFooter(tail) != (po.opts.Subformat == SubformatFixed) {
					t.Errorf("DetectFooter %v for %s", DetectFooter(tail), po.o)
				}
				vi := vhdiinfo(t, path)
				if vi["Identifier"] != inf.UUID.String() {
					t.Errorf("UUID %s, vhdiinfo %q", inf.UUID, vi["Identifier"])
				}
				if want := map[string]DiskType{"Fixed": DiskTypeFixed, "Dynamic": DiskTypeDynamic}[vi["Disk type"]]; inf.DiskType != want {
					t.Errorf("DiskType %s, vhdiinfo %q", inf.DiskType, vi["Disk type"])
				}
				if ts := inf.Timestamp.Time(); ts.Before(before.Truncate(time.Second)) || ts.After(after) {
					t.Errorf("Timestamp %s, image created between %s and %s", ts, before, after)
				}
				if inf.FooterMismatch {
					t.Error("FooterMismatch in qemu's image")
				}
				if inf.CreatorApp != map[bool]string{false: "qemu", true: "qem2"}[po.opts.ForceSize] {
					t.Errorf("CreatorApp %q for %s", inf.CreatorApp, po.o)
				}
			})
		}
	}
}

// fileEnds returns the first 4 KiB and the last 512 bytes of a file.
func fileEnds(t testing.TB, path string) (head, tail []byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	head = make([]byte, min(4096, st.Size()))
	tail = make([]byte, FooterSize)
	if _, err := f.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadAt(tail, st.Size()-FooterSize); err != nil {
		t.Fatal(err)
	}
	return head, tail
}

// TestVirtualSizeCreatorRule rewrites the creator of an image whose
// geometry and Current Size disagree and checks that Info picks the size
// qemu-img reports for each creator.
func TestVirtualSizeCreatorRule(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	src := qemuCreate(t, dir, "src.vhd", "", 1<<30)
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, creator := range []string{"qemu", "qem2", "vpc ", "win ", "d2v ", "CTXS", "tap\x00", "tap ", "xyz "} {
		t.Run(fmt.Sprintf("%q", creator), func(t *testing.T) {
			b := append([]byte(nil), orig...)
			copy(b[footCreatorApp:], creator)
			binary.BigEndian.PutUint64(b[footCurrentSize:], 1<<30+512) // differs from the geometry's size
			binary.BigEndian.PutUint32(b[footChecksum:], checksum(b[:FooterSize], footChecksum))
			path := filepath.Join(dir, "c.vhd")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			img, err := parseFile(t, path)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := float64(img.Info().VirtualSize), testenv.QemuInfo(t, "vpc", path)["virtual-size"]; got != want {
				t.Errorf("VirtualSize %v, qemu-img %v", got, want)
			}
		})
	}
}

// TestParseFixedWithFooterLikeData: a fixed disk's first sector is guest
// data; one that starts with "conectix" (a damaged footer, or a VHD
// stored inside the disk) must not hide the real trailing footer.
func TestParseFixedWithFooterLikeData(t *testing.T) {
	b := planBytes(t, Options{Size: 1 << 20, Subformat: SubformatFixed})
	copy(b, footerCookie)
	img, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if inf := img.Info(); inf.DiskType != DiskTypeFixed || img.FooterOffset != int64(len(b))-FooterSize || !inf.ProbesAsVPC {
		t.Errorf("parsed as %s with the footer at %d, ProbesAsVPC %v", inf.DiskType, img.FooterOffset, inf.ProbesAsVPC)
	}
}

// TestParseFooterMismatch: a dynamic disk whose trailing footer differs
// from the copy at offset 0 still parses (qemu reads only the copy) but
// says so.
func TestParseFooterMismatch(t *testing.T) {
	b := planBytes(t, Options{Size: 10 << 20})
	for _, damage := range []bool{false, true} {
		if damage {
			b[len(b)-FooterSize+footUUID]++
		}
		img, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if got := img.Info().FooterMismatch; got != damage {
			t.Errorf("trailing footer damaged %v: FooterMismatch %v", damage, got)
		}
	}
}
