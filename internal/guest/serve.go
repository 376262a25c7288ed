package guest

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
)

// Files are the descriptors a request is served with. In is the image (for
// info) or the backing file (for create), nil when there is none; Out is
// the new image (for create).
type Files struct {
	In  io.ReaderAt
	Out io.WriterAt
}

// Serve answers one decoded request. It always returns a result that
// encodes within the ABI's limits: failures become a code and a detail, and
// a panic while parsing becomes GUEST_FAULT, so --sandbox=none fails the
// same way the KVM guest does.
func Serve(req *abi.Request, files Files) (res *abi.Result) {
	defer func() {
		if r := recover(); r != nil {
			res = failure(req.Op, create.GuestFault, fmt.Sprintf("the parser panicked: %v", r))
		}
	}()
	switch req.Op {
	case abi.OpCreate:
		return serveCreate(req.Create, files)
	case abi.OpInfo:
		return serveInfo(req.Info, files)
	}
	return failure(req.Op, create.Internal, fmt.Sprintf("unknown operation %q", string(req.Op)))
}

// failure builds a failed result, shortening the detail to the ABI's limit.
func failure(op abi.Op, code create.Code, detail string) *abi.Result {
	return &abi.Result{Version: abi.Version, Op: op, Code: code, Detail: truncate(detail, abi.MaxDetailLen)}
}

// truncate shortens s to at most max bytes without splitting a character.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ellipsis = "…"
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
