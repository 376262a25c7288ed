package guest

import (
	"fmt"
	"os"

	"github.com/instar-go/instar/internal/abi"
)

// Main is the guest process: it decodes the request on standard input,
// serves it with fds 3 and 4, and writes the result to standard output. It
// returns the exit status: 0 when a result was written (the result itself
// says whether the request succeeded), 1 when the request could not be
// decoded, with the reason on standard error.
func Main() int {
	req, err := abi.DecodeRequest(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "instar guest: %v\n", err)
		return 1
	}
	files := Files{}
	switch req.Op {
	case abi.OpInfo:
		files.In = newReadCache(fdFile(InputFD))
	case abi.OpCreate:
		if req.Create.BackingSize >= 0 {
			files.In = newReadCache(fdFile(InputFD))
		}
		files.Out = fdFile(OutputFD)
	}
	b, err := abi.EncodeResult(Serve(req, files))
	if err != nil {
		fmt.Fprintf(os.Stderr, "instar guest: %v\n", err)
		return 1
	}
	if _, err := os.Stdout.Write(b); err != nil {
		fmt.Fprintf(os.Stderr, "instar guest: writing the result: %v\n", err)
		return 1
	}
	return 0
}
