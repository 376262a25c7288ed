package vmdk_test

import (
	"bytes"
	"fmt"

	"github.com/instar-go/instar/formats/vmdk"
)

// Plan a 1 GiB streamOptimized image, materialise it in memory and parse
// it back.
func ExamplePlanImage() {
	cid := uint32(0xc0ffee)
	p, err := vmdk.PlanImage(vmdk.Options{
		Size:      1 << 30,
		FileName:  "disk.vmdk",
		Subformat: vmdk.StreamOptimized,
		CID:       &cid, // nil draws a random CID
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	file := make([]byte, p.Size)
	if _, err := p.ReadAt(file, 0); err != nil {
		fmt.Println(err)
		return
	}
	im, err := vmdk.Parse(bytes.NewReader(file), p.Size)
	if err != nil {
		fmt.Println(err)
		return
	}
	info := im.Info()
	fmt.Println(p.Size, info.CreateType, info.VirtualSize, info.ClusterSize)
	fmt.Printf("cid=%x parent=%x\n", info.CID, info.ParentCID)
	// Output:
	// 196608 streamOptimized 1073741824 65536
	// cid=c0ffee parent=ffffffff
}

// Multi-file subformats are refused.
func ExamplePlanImage_multiFile() {
	_, err := vmdk.PlanImage(vmdk.Options{Size: 1 << 30, FileName: "d.vmdk", Subformat: vmdk.MonolithicFlat})
	fmt.Println(err)
	// Output:
	// vmdk: subformat="monolithicFlat": multi-file VMDK output is not supported; use monolithicSparse or streamOptimized
}
