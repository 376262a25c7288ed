package create

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// This file is host-only: it uses the file system directly and never runs in
// the sandbox guest.

// Preallocate applies a data preallocation mode to the ranges of a new image
// file, as qemu does after writing the metadata: falloc reserves the space
// with fallocate(2) (falling back to writing zeros where the file system
// cannot fallocate), full writes zeros. off and metadata do nothing (qcow2
// metadata preallocation is part of the plan itself).
func Preallocate(f *os.File, mode Preallocation, ranges []Range) error {
	if mode != PreallocFalloc && mode != PreallocFull {
		return nil
	}
	for _, r := range ranges {
		if r.Offset < 0 || r.Length < 0 || r.Offset > MaxSize-r.Length {
			return newError(Internal, fmt.Sprintf("preallocation range [%d,+%d) is invalid", r.Offset, r.Length))
		}
		if r.Length == 0 {
			continue
		}
		if mode == PreallocFalloc {
			err := fallocate(f, r)
			if err == nil {
				continue
			}
			if !errors.Is(err, syscall.EOPNOTSUPP) && !errors.Is(err, syscall.ENOSYS) {
				return wrapError(WriteFailed, fmt.Sprintf("Could not preallocate %d bytes at offset %d", r.Length, r.Offset), err)
			}
		}
		if err := zeroFill(f, r); err != nil {
			return err
		}
	}
	return nil
}

// zeroFill writes zeros over r in chunks of chunkSize.
func zeroFill(f *os.File, r Range) error {
	buf := make([]byte, min(int64(chunkSize), r.Length))
	for off, end := r.Offset, r.Offset+r.Length; off < end; {
		n := min(int64(len(buf)), end-off)
		if _, err := f.WriteAt(buf[:n], off); err != nil {
			return wrapError(WriteFailed, fmt.Sprintf("Could not write zeros at offset %d", off), err)
		}
		off += n
	}
	return nil
}
