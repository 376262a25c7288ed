package create

import (
	"errors"
	"strings"

	"github.com/hashicorp/go-multierror"
)

// Error is one failure together with its stable [Code]. Msg is the specific
// detail in the wording a qemu-img user recognises ("Invalid parameter
// 'foo'"); Err, when set, is the underlying cause (a format package's
// *FormatError, an I/O error) and is reachable with errors.Is/As.
type Error struct {
	Code Code
	Msg  string
	Err  error
}

// Error returns the detail followed by the cause, if any.
func (e *Error) Error() string {
	switch {
	case e.Err == nil:
		return e.Msg
	case e.Msg == "":
		return e.Err.Error()
	}
	return e.Msg + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// newError builds an *Error without a cause.
func newError(code Code, msg string) *Error { return &Error{Code: code, Msg: msg} }

// wrapError builds an *Error around a cause.
func wrapError(code Code, msg string, err error) *Error {
	return &Error{Code: code, Msg: msg, Err: err}
}

// CodeOf returns the code of the first *Error in err's chain (for a list of
// validation problems, the first problem's code); OK for nil and Internal
// for an error that carries no code.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Problems returns every *Error in err: the items of a validation list, or
// err itself. The cli prints one line per problem.
func Problems(err error) []*Error {
	var out []*Error
	var m *multierror.Error
	if errors.As(err, &m) {
		for _, item := range m.Errors {
			out = append(out, Problems(item)...)
		}
		return out
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	if err != nil {
		out = append(out, &Error{Code: Internal, Err: err})
	}
	return out
}

// problemList collects validation problems so all of them are reported at
// once.
type problemList struct{ err *multierror.Error }

// add records one problem.
func (l *problemList) add(code Code, msg string) {
	l.err = multierror.Append(l.err, newError(code, msg))
}

// addErr records an *Error built elsewhere.
func (l *problemList) addErr(err error) {
	l.err = multierror.Append(l.err, err)
}

// result returns nil when nothing was recorded, else the list, formatted one
// problem per line.
func (l *problemList) result() error {
	if l.err == nil {
		return nil
	}
	l.err.ErrorFormat = listFormat
	return l.err
}

// listFormat prints one problem per line, as qemu-img prints its errors.
func listFormat(errs []error) string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
