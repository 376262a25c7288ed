package create

import "io"

// This file is host-only: it uses the file system directly and never runs in
// the sandbox guest.

// CreateFile does a whole create in-process (no sandbox): it validates the
// request, writes the image into an [AtomicFile] beside target with
// [Create], applies the data preallocation with [Preallocate] and commits
// the file. The caller opens the backing (resolving its path against the new
// image's directory) and passes it with its size; nil without one. On any
// failure the temporary file is removed and an existing target is untouched.
func CreateFile(req *Request, backing io.ReaderAt, backingSize int64, target string) (*Result, error) {
	if _, err := ParseRequest(req); err != nil {
		return nil, err // nothing is created for a request that cannot succeed
	}
	a, err := NewAtomicFile(target)
	if err != nil {
		return nil, err
	}
	defer a.Abort()
	res, err := Create(req, backing, backingSize, a.File())
	if err != nil {
		return nil, err
	}
	if err := Preallocate(a.File(), res.Preallocation, res.Preallocate); err != nil {
		return nil, err
	}
	if err := a.Commit(); err != nil {
		return nil, err
	}
	return res, nil
}
