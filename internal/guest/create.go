package guest

import (
	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
)

// serveCreate makes the image: create.Create reads the backing on In (when
// the host passed one), plans the image and writes it to Out.
func serveCreate(req *abi.CreateRequest, files Files) *abi.Result {
	if files.Out == nil {
		return failure(abi.OpCreate, create.Internal, "create request without an output descriptor")
	}
	cr := &create.Request{
		Format:         req.Format,
		Filename:       req.Filename,
		Size:           req.Size,
		BackingFile:    req.BackingFile,
		HasBackingFile: req.HasBacking,
		BackingFormat:  req.BackingFormat,
		Unsafe:         req.Unsafe,
		Options:        req.Options,
	}
	var backing = files.In
	if req.BackingSize < 0 {
		backing = nil
	} else if backing != nil {
		testHook(backing, req.BackingSize)
	}
	res, err := create.Create(cr, backing, req.BackingSize, files.Out)
	if err != nil {
		return failure(abi.OpCreate, create.CodeOf(err), err.Error())
	}
	out := &abi.CreateResult{
		VirtualSize:  res.VirtualSize,
		UnitSize:     res.ClusterSize,
		BytesWritten: res.BytesWritten,
		FileSize:     res.FileSize,
	}
	if res.Backing != nil {
		out.BackingFormat = string(res.Backing.Format)
		out.BackingVirtualSize = res.Backing.VirtualSize
	}
	for _, r := range res.Preallocate {
		out.Preallocate = append(out.Preallocate, abi.Range{Offset: r.Offset, Length: r.Length})
	}
	for i, w := range res.Warnings {
		if i == abi.MaxWarnings {
			break
		}
		out.Warnings = append(out.Warnings, truncate(w, abi.MaxWarningLen))
	}
	return &abi.Result{Version: abi.Version, Op: abi.OpCreate, Create: out}
}
