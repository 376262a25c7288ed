package guest

import (
	"errors"
	"io"
	"syscall"
)

// The descriptors the host passes to the guest.
const (
	InputFD  = 3 // the image (info) or the backing file (create), read-only
	OutputFD = 4 // the new image (create), write-only
)

// fdFile reads and writes a descriptor at offsets with pread64/pwrite64
// only. It avoids os.NewFile, whose poller registration would cost the
// sandbox extra emulated syscalls for nothing.
type fdFile int

// ReadAt implements io.ReaderAt.
func (f fdFile) ReadAt(p []byte, off int64) (int, error) {
	total := 0
	for total < len(p) {
		n, err := syscall.Pread(int(f), p[total:], off+int64(total))
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, io.EOF
		}
		total += n
	}
	return total, nil
}

// WriteAt implements io.WriterAt.
func (f fdFile) WriteAt(p []byte, off int64) (int, error) {
	total := 0
	for total < len(p) {
		n, err := syscall.Pwrite(int(f), p[total:], off+int64(total))
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, io.ErrShortWrite
		}
		total += n
	}
	return total, nil
}
