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

// reportError prints err on stderr as "instar: …" lines: one per problem
// (create validation reports every problem at once), then the stable code
// of each distinct failure with its advice, or, for a command-line mistake,
// the --help hint of command ("" for instar itself).
func reportError(w io.Writer, command string, err error) {
	var ue *usageError
	if errors.As(err, &ue) {
		help := "instar --help"
		if command != "" {
			help = "instar " + command + " --help"
		}
		fmt.Fprintf(w, "instar: %s\nTry '%s' for more information\n", sanitize(ue.msg), sanitize(help))
		return
	}
	prefix := ""
	var ie *imageError
	if errors.As(err, &ie) {
		prefix = ie.name + ": "
		err = ie.err
	}
	var hints []string
	var ce *create.Error
	if errors.As(err, &ce) {
		seen := map[create.Code]bool{}
		for _, p := range create.Problems(err) {
			printLines(w, prefix, p.Error())
			if !seen[p.Code] {
				seen[p.Code] = true
				hints = append(hints, p.Code.String()+": "+p.Code.Message())
			}
		}
	} else {
		printLines(w, prefix, err.Error())
	}
	for _, h := range hints {
		fmt.Fprintf(w, "instar: %s\n", sanitize(h))
	}
}

// printLines prints a message as "instar: " lines, the first one prefixed
// with the image name, each sanitised on its own so that a line break in
// guest text starts a new, visibly attributed line instead of being escaped.
func printLines(w io.Writer, prefix, msg string) {
	for i, line := range strings.Split(msg, "\n") {
		if i == 0 {
			line = prefix + line
		}
		fmt.Fprintf(w, "instar: %s\n", sanitize(line))
	}
}
