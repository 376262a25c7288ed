package guest

import (
	"errors"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
	"github.com/instar-go/instar/internal/info"
)

// serveInfo parses the image on In and returns its description.
func serveInfo(req *abi.InfoRequest, files Files) *abi.Result {
	if files.In == nil {
		return failure(abi.OpInfo, create.Internal, "info request without an image descriptor")
	}
	im, err := info.Inspect(files.In, req.ImageSize, req.Format)
	if err != nil {
		code := create.BackingParseFailed
		if errors.Is(err, info.ErrUnknownFormat) || errors.Is(err, info.ErrUnsupportedFormat) {
			code = create.UnsupportedFormat
		}
		return failure(abi.OpInfo, code, err.Error())
	}
	res := &abi.Result{Version: abi.Version, Op: abi.OpInfo, Info: im}
	if err := res.Validate(); err != nil {
		// Inspect produced something the host would refuse: say so here,
		// where the cause is known, rather than as a malformed result.
		return failure(abi.OpInfo, create.Internal, "the image description is out of bounds: "+err.Error())
	}
	return res
}
