package main

import (
	"fmt"
	"os"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
)

// finishOutput checks the file the guest wrote against what the guest
// says it wrote, gives it its final length and preallocates its data
// ranges. The guest is trusted for none of it: a file longer than its
// stated size, or a size beyond max, means the writer went past its own
// plan. The preallocation mode is the host's own reading of the options;
// the guest only says where the data ranges lie.
func finishOutput(f *os.File, res *abi.CreateResult, max int64, mode create.Preallocation) error {
	if res.FileSize > max {
		return &create.Error{Code: create.BadGuestResult, Msg: fmt.Sprintf("the guest reports a %d-byte image, more than the %d bytes allowed", res.FileSize, max)}
	}
	fi, err := f.Stat()
	if err != nil {
		return &create.Error{Code: create.WriteFailed, Msg: "Could not stat the new image", Err: err}
	}
	switch {
	case fi.Size() > res.FileSize:
		return &create.Error{Code: create.BadGuestResult, Msg: fmt.Sprintf("the image was written to %d bytes, past its planned size %d", fi.Size(), res.FileSize)}
	case fi.Size() < res.FileSize:
		if err := f.Truncate(res.FileSize); err != nil {
			return &create.Error{Code: create.WriteFailed, Msg: fmt.Sprintf("Could not resize the image to %d bytes", res.FileSize), Err: err}
		}
	}
	ranges := make([]create.Range, len(res.Preallocate))
	for i, r := range res.Preallocate {
		ranges[i] = create.Range{Offset: r.Offset, Length: r.Length}
	}
	return create.Preallocate(f, mode, ranges)
}
