package create

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// This file is host-only: it uses the file system directly and never runs in
// the sandbox guest.

// AtomicFile is a new image being written: a temporary file beside the
// target that becomes the target only on Commit, so a failed create never
// leaves a partial image and never touches an existing file.
//
// Replacement policy. qemu-img overwrites an existing target, and so does
// instar, but atomically: if the target existed when the AtomicFile was
// made, Commit renames over it (keeping its permission bits). If it did not
// exist, Commit links the temporary file into place, which fails rather
// than clobbers when a file of that name appeared meanwhile (OutputExists).
// A target that exists but is not a regular file (a symbolic link, a
// directory, a device) is refused up front: qemu-img would write through a
// link, which is not atomic.
type AtomicFile struct {
	target  string
	tmp     string
	f       *os.File
	replace bool
	mode    fs.FileMode
	done    bool
}

// NewAtomicFile creates a temporary file (O_EXCL, mode 0644 before umask)
// in the target's directory.
func NewAtomicFile(target string) (*AtomicFile, error) {
	a := &AtomicFile{target: target, mode: 0o644}
	st, err := os.Lstat(target)
	switch {
	case err == nil && !st.Mode().IsRegular():
		return nil, newError(WriteFailed, fmt.Sprintf("'%s' exists and is not a regular file; refusing to replace it", target))
	case err == nil:
		a.replace, a.mode = true, st.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return nil, wrapError(WriteFailed, fmt.Sprintf("Could not check '%s'", target), err)
	}
	dir, base := filepath.Split(target)
	for range 8 {
		var rnd [6]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, wrapError(WriteFailed, "Could not name a temporary file", err)
		}
		a.tmp = filepath.Join(dir, "."+base+".instar-"+hex.EncodeToString(rnd[:]))
		a.f, err = os.OpenFile(a.tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	return nil, wrapError(WriteFailed, fmt.Sprintf("Could not create a temporary file beside '%s'", target), err)
}

// File returns the temporary file to write the image into.
func (a *AtomicFile) File() *os.File { return a.f }

// Name returns the temporary file's path.
func (a *AtomicFile) Name() string { return a.tmp }

// Commit flushes the temporary file to disk and puts it in place of the
// target (see the replacement policy on AtomicFile). On failure the
// temporary file is removed and the target is as it was.
func (a *AtomicFile) Commit() error {
	if a.done {
		return newError(Internal, "AtomicFile committed or aborted twice")
	}
	a.done = true
	err := a.f.Sync()
	if err == nil && a.replace {
		err = a.f.Chmod(a.mode)
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(a.tmp)
		return wrapError(WriteFailed, fmt.Sprintf("Could not flush '%s'", a.tmp), err)
	}
	if a.replace {
		err = os.Rename(a.tmp, a.target)
	} else {
		err = os.Link(a.tmp, a.target)
		os.Remove(a.tmp)
		if errors.Is(err, fs.ErrExist) {
			return newError(OutputExists, fmt.Sprintf("'%s' appeared while the image was being written; it was left untouched", a.target))
		}
	}
	if err != nil {
		os.Remove(a.tmp)
		return wrapError(WriteFailed, fmt.Sprintf("Could not move the new image into place as '%s'", a.target), err)
	}
	syncDir(filepath.Dir(a.target))
	return nil
}

// Abort closes and removes the temporary file; the target is untouched.
// It is safe to call after Commit (it then does nothing).
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.f.Close()
	os.Remove(a.tmp)
}

// syncDir flushes a directory so a rename survives a crash; failures are
// ignored, as some file systems cannot sync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
