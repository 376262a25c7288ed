//go:build !linux

package create

import (
	"os"
	"syscall"
)

// fallocate is not available here; Preallocate falls back to writing zeros.
func fallocate(*os.File, Range) error { return syscall.EOPNOTSUPP }
