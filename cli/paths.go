package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// maxPathLen is the kernel's PATH_MAX: a longer path cannot be opened.
const maxPathLen = 4096

// openError is a host-side failure to open a file the user named. It says
// which path was tried, so a backing name that resolved somewhere
// unexpected is visible.
type openError struct {
	what string // "backing file", "image"
	path string
	err  error
}

func (e *openError) Error() string {
	return fmt.Sprintf("could not open %s '%s': %v", e.what, e.path, e.err)
}

func (e *openError) Unwrap() error { return e.err }

// errNotRegular is wrapped when a path names a directory, device, FIFO or
// socket: disk images are regular files here.
var errNotRegular = errors.New("not a regular file")

// openRegular opens path read-only exactly once and checks what it opened.
// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a
// writer, O_NOCTTY keeps a terminal device from becoming the controlling
// terminal, and the type check uses fstat of the opened descriptor, so a
// file swapped in between a check and the open cannot slip through.
func openRegular(what, path string) (*os.File, fs.FileInfo, error) {
	if len(path) >= maxPathLen {
		return nil, nil, &openError{what, path, fmt.Errorf("the path is %d bytes long (at most %d)", len(path), maxPathLen-1)}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, &openError{what, path, describeErrno(unwrapPath(err))}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, &openError{what, path, err}
	}
	if kind := fileKind(fi.Mode()); kind != "" {
		f.Close()
		return nil, nil, &openError{what, path, fmt.Errorf("%w: it is a %s; give the path of a disk image file", errNotRegular, kind)}
	}
	return f, fi, nil
}

// fileKind names a non-regular file type, or returns "" for a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	}
	return "special file"
}

// describeErrno gives the errno of a failed open the libc wording a
// qemu-img user knows ("No such file or directory"), keeping it reachable
// with errors.Is.
func describeErrno(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return capitalised{errno}
	}
	return err
}

// capitalised is an errno whose message starts with a capital letter.
type capitalised struct{ syscall.Errno }

func (c capitalised) Error() string {
	s := c.Errno.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}

func (c capitalised) Unwrap() error { return c.Errno }
