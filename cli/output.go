package main

import (
	"fmt"
	"os"

	"github.com/instar-go/instar/create"
)

// writeAtomically has write fill a temporary file beside target and, when
// it succeeds, makes the file durable and renames it over target. On any
// failure the temporary file is removed and an existing target is left as
// it was.
func writeAtomically(target string, write func(*os.File) error) (err error) {
	dir := dirOf(target)
	f, err := os.CreateTemp(dir, ".instar-*.tmp")
	if err != nil {
		return &create.Error{Code: create.WriteFailed, Msg: fmt.Sprintf("Could not create a temporary file in '%s'", dir), Err: unwrapPath(err)}
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return &create.Error{Code: create.WriteFailed, Msg: "Could not set the image's permissions", Err: err}
	}
	if err := f.Sync(); err != nil {
		return &create.Error{Code: create.WriteFailed, Msg: "Could not flush the image to disk", Err: err}
	}
	if err := f.Close(); err != nil {
		return &create.Error{Code: create.WriteFailed, Msg: "Could not close the image", Err: err}
	}
	if err := os.Rename(f.Name(), target); err != nil {
		return &create.Error{Code: create.WriteFailed, Msg: fmt.Sprintf("Could not move the image into place as '%s'", target), Err: unwrapPath(err)}
	}
	return nil
}

// dirOf is the directory part of a path as typed, "." when it has none.
func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i+1]
		}
	}
	return "."
}

// finishOutput gives a written image its final length and preallocates the
// data ranges the planner listed. A file longer than the stated size means
// the writer wrote past its own plan and is refused.
func finishOutput(f *os.File, size int64, mode create.Preallocation, ranges []create.Range) error {
	fi, err := f.Stat()
	if err != nil {
		return &create.Error{Code: create.WriteFailed, Msg: "Could not stat the new image", Err: err}
	}
	switch {
	case fi.Size() > size:
		return &create.Error{Code: create.BadGuestResult, Msg: fmt.Sprintf("the image was written to %d bytes, past its planned size %d", fi.Size(), size)}
	case fi.Size() < size:
		if err := f.Truncate(size); err != nil {
			return &create.Error{Code: create.WriteFailed, Msg: fmt.Sprintf("Could not resize the image to %d bytes", size), Err: err}
		}
	}
	if len(ranges) > 0 && (mode == create.PreallocFalloc || mode == create.PreallocFull) {
		return preallocate(f, mode, ranges)
	}
	return nil
}
