package vhdx_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/instar-go/instar/formats/vhdx"
)

// Plan a dynamic 10 GiB image with qemu-img's defaults. The Plan is also an
// io.ReaderAt, so here it stands in for the file a caller would write it to.
func ExamplePlanImage() {
	p, err := vhdx.PlanImage(vhdx.Options{Size: 10 << 30})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("file size %d, block size %d MiB\n", p.Size, p.BlockSize>>20)
	for _, e := range p.Extents {
		kind := "data"
		if e.Fill != nil {
			kind = "generated"
		}
		fmt.Printf("%#07x %5d bytes %s\n", e.Offset, e.Length, kind)
	}
	// Output:
	// file size 8388608, block size 16 MiB
	// 0x0000000    20 bytes data
	// 0x0010000    80 bytes data
	// 0x0020000    80 bytes data
	// 0x0030000    80 bytes data
	// 0x0040000    80 bytes data
	// 0x0200000  5136 bytes generated
	// 0x0300000   192 bytes data
	// 0x0310000    40 bytes data
}

// Parse an image from any io.ReaderAt and print what qemu-img info shows.
func ExampleParse() {
	// A planned image stands in for a file opened by the caller.
	p, err := vhdx.PlanImage(vhdx.Options{Size: 1 << 30, Subformat: vhdx.SubformatFixed, BlockStateZero: new(bool)})
	if err != nil {
		log.Fatal(err)
	}
	img, err := vhdx.Parse(p, p.Size)
	if err != nil {
		log.Fatal(err)
	}
	info := img.Info()
	fmt.Println("virtual size:", info.VirtualSize)
	fmt.Println("cluster size:", info.ClusterSize)
	fmt.Println("disk type:", info.DiskType)
	fmt.Println("creator:", img.Creator)
	// Output:
	// virtual size: 1073741824
	// cluster size: 8388608
	// disk type: fixed
	// creator: instar
}

// Make a differencing child of a parent image: the child records the
// parent's DataWriteGUID and where to find it.
func ExamplePlanImage_differencing() {
	parent, err := vhdx.PlanImage(vhdx.Options{Size: 4 << 30})
	if err != nil {
		log.Fatal(err)
	}
	img, err := vhdx.Parse(parent, parent.Size)
	if err != nil {
		log.Fatal(err)
	}
	info := img.Info()
	child, err := vhdx.PlanImage(vhdx.Options{
		Size: info.VirtualSize,
		Parent: &vhdx.Parent{
			DataWriteGUID: info.DataWriteGUID,
			RelativePath:  "../base/parent.vhdx",
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := vhdx.Parse(child, child.Size)
	if err != nil {
		log.Fatal(err)
	}
	linkage, _ := c.Parent.ParentLinkage()
	rel, _ := c.Parent.Lookup(vhdx.KeyRelativePath)
	fmt.Println(c.DiskType(), linkage == info.DataWriteGUID, rel)

	// A POSIX absolute path has no Windows form.
	_, err = vhdx.PlanImage(vhdx.Options{Size: info.VirtualSize,
		Parent: &vhdx.Parent{DataWriteGUID: info.DataWriteGUID, AbsoluteWin32Path: "/srv/base/parent.vhdx"}})
	fmt.Println(errors.Is(err, vhdx.ErrPathNotRepresentable))
	// Output:
	// differencing true ..\base\parent.vhdx
	// true
}

// Errors from Parse name the structure and byte offset and wrap a
// sentinel, so a caller can both branch on the class and report details.
func ExampleFormatError() {
	_, err := vhdx.Parse(strings.NewReader("conectix"), 8)
	var fe *vhdx.FormatError
	if errors.As(err, &fe) {
		fmt.Println(errors.Is(err, vhdx.ErrNotVHDX), fe.Field, fe.Offset)
	}
	// Output:
	// true file type identifier 0
}

// Validate checks -o style options without planning and reports every
// problem at once.
func ExampleOptions_Validate() {
	err := vhdx.Options{Size: 65 << 40, BlockSize: 3 << 20}.Validate()
	fmt.Println(errors.Is(err, vhdx.ErrTooLarge), errors.Is(err, vhdx.ErrInvalidOption))
	fmt.Println(vhdx.DefaultBlockSize(100<<30)>>20, vhdx.DefaultBlockSize(100<<30+512)>>20)
	// Output:
	// true true
	// 16 32
}

// Detect recognises a VHDX file from its first bytes, so a caller can try
// each format in turn.
func ExampleDetect() {
	p, _ := vhdx.PlanImage(vhdx.Options{Size: 1 << 20})
	head := make([]byte, 4096)
	p.ReadAt(head, 0)
	fmt.Println(vhdx.Detect(head), vhdx.Detect([]byte("QFI\xfb")))
	// Output:
	// true false
}

// BlockEntry reads one BAT entry without loading the BAT.
func ExampleImage_BlockEntry() {
	p, _ := vhdx.PlanImage(vhdx.Options{Size: 64 << 20, Subformat: vhdx.SubformatFixed, BlockStateZero: new(bool)})
	img, err := vhdx.Parse(p, p.Size)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range []uint64{0, 7} {
		e, err := img.BlockEntry(p, p.Size, n)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("block %d: %v at %d MiB\n", n, e.State, e.FileOffset>>20)
	}
	// Output:
	// block 0: fully-present at 8 MiB
	// block 7: fully-present at 64 MiB
}
