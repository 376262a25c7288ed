package create

import (
	"os"
	"syscall"
)

// fallocate reserves r in f (mode 0: allocate, extending the file if needed).
// Host-only.
func fallocate(f *os.File, r Range) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, r.Offset, r.Length)
		if err != syscall.EINTR {
			return err
		}
	}
}
