package vhd

import (
	"math/rand/v2"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// geometrySweepSizes are sizes around every band of the CHS algorithm
// plus a fixed-seed random sample up to the largest geometry.
func geometrySweepSizes() []int64 {
	var sizes []int64
	for _, sectors := range []int64{
		1, 17 * 4, 17*4*1024 - 1, 17 * 4 * 1024, 17*16*1024 + 1, // 17 sectors per track, 4..16 heads
		31 * 16 * 1024, 31*16*1024 + 1, // 31 sectors per track
		63 * 16 * 1024, 63*16*1024 + 1, 65535*16*63 - 1, // 63 sectors per track
		65535 * 16 * 63, 65535*16*63 + 1, // 255 sectors per track
		maxGeometrySectors - 1, maxGeometrySectors, maxGeometrySectors + 1,
	} {
		sizes = append(sizes, sectors*SectorSize, sectors*SectorSize-1)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		sizes = append(sizes, r.Int64N(maxGeometrySectors*SectorSize))
	}
	return sizes
}

// TestGeometryMatchesQemu compares the geometry and virtual size PlanImage
// chooses with the footer qemu-img writes for the same size, with and
// without force_size.
func TestGeometryMatchesQemu(t *testing.T) {
	testenv.RequireQemuImg(t)
	dir := t.TempDir()
	for _, size := range geometrySweepSizes() {
		for _, force := range []bool{false, true} {
			opts := "force_size=off"
			if force {
				opts = "force_size=on"
			}
			path := qemuCreate(t, dir, "g.vhd", opts, size)
			img, err := parseFile(t, path)
			if err != nil {
				t.Fatal(err)
			}
			vs, g, err := sizeAndGeometry(size, force)
			if err != nil {
				t.Fatal(err)
			}
			q := testenv.QemuInfo(t, "vpc", path)["virtual-size"]
			if g != img.Footer.Geometry || float64(vs) != q || uint64(vs) != img.Footer.CurrentSize {
				t.Errorf("size %d %s: planned %s, %d bytes; qemu-img wrote %s, current size %d, info %v",
					size, opts, g, vs, img.Footer.Geometry, img.Footer.CurrentSize, q)
			}
		}
	}
}
