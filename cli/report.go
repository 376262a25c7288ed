package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
)

// sanitize escapes control and display-reordering characters. Every line
// instar prints that carries a file name or guest text goes through it.
func sanitize(s string) string { return abi.Sanitize(s) }

// imageError attaches the name of the image a command was working on, as
// qemu-img prefixes its messages with it ("c.qcow2: …").
type imageError struct {
	name string
	err  error
}

func (e *imageError) Error() string { return e.name + ": " + e.err.Error() }
func (e *imageError) Unwrap() error { return e.err }

// hint is an explanation printed after an error: what to try next.
type hinted struct {
	err  error
	hint string
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }

// reportError prints err on stderr as "instar: …" lines: one per problem
// (create validation reports every problem at once), then the stable code
// of each distinct failure with its advice, or the --help hint for a
// command-line mistake.
func reportError(w io.Writer, command string, err error) {
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "instar: %s\nTry 'instar %s --help' for more information\n", sanitize(ue.msg), sanitize(command))
		return
	}
	prefix := ""
	var ie *imageError
	if errors.As(err, &ie) {
		prefix = ie.name + ": "
		err = ie.err
	}
	var hints []string
	if h := (*hinted)(nil); errors.As(err, &h) {
		hints = append(hints, h.hint)
	}
	var ce *create.Error
	if errors.As(err, &ce) {
		seen := map[create.Code]bool{}
		for _, p := range create.Problems(err) {
			fmt.Fprintf(w, "instar: %s\n", sanitize(prefix+p.Error()))
			if !seen[p.Code] {
				seen[p.Code] = true
				hints = append(hints, p.Code.String()+": "+p.Code.Message())
			}
		}
	} else {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(w, "instar: %s\n", sanitize(prefix+line))
		}
	}
	for _, h := range hints {
		fmt.Fprintf(w, "instar: %s\n", sanitize(h))
	}
}
