package vmm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// fdKind is what a guest descriptor refers to.
type fdKind uint8

const (
	fdStdin fdKind = iota
	fdStdout
	fdStderr
	fdFile
	fdEventfd
	fdEpoll
)

// maxFDs bounds the descriptors (eventfds, epolls) a guest may create.
const maxFDs = 1024

// defaultBufferSize caps a buffer-backed write-only descriptor that has no
// MaxSize: its bytes live in host memory.
const defaultBufferSize = 64 << 20

// fdesc is one open guest descriptor.
type fdesc struct {
	mu   sync.Mutex // serialises I/O and the offset
	kind fdKind
	file *guestFile
	ev   *eventfd
	ep   *epoll
	off  int64
}

// guestFile is one of Config.Files.
type guestFile struct {
	mode    Mode
	host    *os.File
	data    []byte // read-only content, or a write-only buffer's content
	maxSize int64  // 0: no cap
	buffer  bool   // write-only without a host file
}

// fdTable is the guest's descriptor table and its standard streams.
type fdTable struct {
	m *machine // for stopping the run on an output limit

	mu      sync.Mutex
	fds     map[uint64]*fdesc
	files   []*guestFile
	stdin   []byte
	stdout  []byte
	stderr  []byte
	written int64
}

// newFDTable opens descriptors 0–2 and one per Config.Files entry.
func newFDTable(cfg *Config) *fdTable {
	t := &fdTable{fds: map[uint64]*fdesc{}, stdin: cfg.Stdin}
	t.fds[0] = &fdesc{kind: fdStdin}
	t.fds[1] = &fdesc{kind: fdStdout}
	t.fds[2] = &fdesc{kind: fdStderr}
	for i, f := range cfg.Files {
		g := &guestFile{mode: f.Mode, host: f.Host, data: f.Data, maxSize: f.MaxSize}
		if f.Mode == WriteOnly && f.Host == nil {
			g.buffer, g.data = true, []byte{}
			if g.maxSize == 0 {
				g.maxSize = defaultBufferSize
			}
		}
		if f.Mode == ReadOnly && f.Host == nil && f.Data == nil {
			g.data = []byte{}
		}
		t.files = append(t.files, g)
		t.fds[uint64(3+i)] = &fdesc{kind: fdFile, file: g}
	}
	return t
}

// get returns the open descriptor fd.
func (t *fdTable) get(fd uint64) *fdesc {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fds[fd]
}

// add opens a new descriptor at the lowest free number.
func (t *fdTable) add(d *fdesc) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fds) >= maxFDs {
		return errno(unix.EMFILE)
	}
	fd := uint64(0)
	for t.fds[fd] != nil {
		fd++
	}
	t.fds[fd] = d
	return fd
}

// outputs returns what the guest wrote to stdout, stderr and its buffers.
func (t *fdTable) outputs() (stdout, stderr []byte, files [][]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	files = make([][]byte, len(t.files))
	for i, f := range t.files {
		if f.buffer {
			files[i] = f.data
		}
	}
	return t.stdout, t.stderr, files
}

// errShort ends a page-by-page transfer early (end of file).
var errShort = errors.New("short transfer")

// read emulates read (off < 0: at and advancing the descriptor's offset)
// and pread64.
func (t *fdTable) read(v *vcpu, fd, buf, n uint64, off int64) uint64 {
	d := t.get(fd)
	if d == nil {
		return errno(unix.EBADF)
	}
	n = min(n, maxIO)
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.kind {
	case fdEventfd:
		if off >= 0 {
			return errno(unix.ESPIPE)
		}
		return d.ev.read(v, buf, n)
	case fdStdin:
		if off >= 0 {
			return errno(unix.ESPIPE)
		}
		src := t.stdin[min(d.off, int64(len(t.stdin))):]
		k := min(n, uint64(len(src)))
		if err := v.m.mem.write(buf, src[:k]); err != nil {
			return errno(unix.EFAULT)
		}
		d.off += int64(k)
		return k
	case fdFile:
		if d.file.mode != ReadOnly {
			return errno(unix.EBADF)
		}
	default:
		return errno(unix.EBADF)
	}
	at := off
	if off < 0 {
		at = d.off
	}
	f, done := d.file, uint64(0)
	err := v.m.mem.span(buf, n, func(b []byte) error {
		var k int
		var err error
		if f.host != nil {
			k, err = f.host.ReadAt(b, at+int64(done))
		} else if pos := at + int64(done); pos < int64(len(f.data)) {
			k = copy(b, f.data[pos:])
		}
		done += uint64(k)
		switch {
		case err == io.EOF || (err == nil && k < len(b)):
			return errShort
		case err != nil:
			return err
		}
		return nil
	})
	switch {
	case errors.Is(err, errFault):
		return errno(unix.EFAULT)
	case err != nil && err != errShort && done == 0:
		return errno(unix.EIO)
	}
	if off < 0 {
		d.off += int64(done)
	}
	return done
}

// write emulates write (off < 0: at and advancing the descriptor's offset)
// and pwrite64, enforcing the output limits.
func (t *fdTable) write(v *vcpu, fd, buf, n uint64, off int64) uint64 {
	d := t.get(fd)
	if d == nil {
		return errno(unix.EBADF)
	}
	n = min(n, maxIO)
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.kind {
	case fdEventfd:
		if off >= 0 {
			return errno(unix.ESPIPE)
		}
		return d.ev.write(v, buf, n)
	case fdStdout, fdStderr:
		if off >= 0 {
			return errno(unix.ESPIPE)
		}
		return t.stream(v, d.kind, buf, n)
	case fdFile:
		if d.file.mode != WriteOnly {
			return errno(unix.EBADF)
		}
	default:
		return errno(unix.EBADF)
	}
	at := off
	if off < 0 {
		at = d.off
	}
	f := d.file
	if err := t.reserve(f, at, n); err != nil {
		v.m.stop(err, 0)
		return errno(unix.EFBIG)
	}
	done := uint64(0)
	err := v.m.mem.span(buf, n, func(b []byte) error {
		pos := at + int64(done)
		if f.host != nil {
			k, err := f.host.WriteAt(b, pos)
			done += uint64(k)
			return err
		}
		if end := pos + int64(len(b)); end > int64(len(f.data)) {
			f.data = append(f.data, make([]byte, end-int64(len(f.data)))...)
		}
		done += uint64(copy(f.data[pos:], b))
		return nil
	})
	switch {
	case errors.Is(err, errFault):
		return errno(unix.EFAULT)
	case err != nil && done == 0:
		return errno(unix.EIO)
	}
	if off < 0 {
		d.off += int64(done)
	}
	return done
}

// reserve checks a write of n bytes at off against the descriptor's cap and
// the run's Written limit, and counts it.
func (t *fdTable) reserve(f *guestFile, off int64, n uint64) error {
	if f.maxSize > 0 && (off > f.maxSize || int64(n) > f.maxSize-off) {
		return fmt.Errorf("%w: a write of %d bytes at offset %d passes the descriptor's MaxSize of %d bytes", ErrOutputLimit, n, off, f.maxSize)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if lim := t.m.lim.Written; int64(n) > lim-t.written {
		return fmt.Errorf("%w: more than Limits.Written (%d bytes) written", ErrOutputLimit, lim)
	}
	t.written += int64(n)
	return nil
}

// stream appends to stdout or stderr within their limits. What fits is
// kept; a write past the limit ends the run.
func (t *fdTable) stream(v *vcpu, kind fdKind, buf, n uint64) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	dst, lim, name := &t.stdout, v.m.lim.Stdout, "Stdout"
	if kind == fdStderr {
		dst, lim, name = &t.stderr, v.m.lim.Stderr, "Stderr"
	}
	room := uint64(max(lim-int64(len(*dst)), 0))
	k := min(n, room)
	old := len(*dst)
	*dst = append(*dst, make([]byte, k)...)
	if err := v.m.mem.read(buf, (*dst)[old:]); err != nil {
		*dst = (*dst)[:old]
		return errno(unix.EFAULT)
	}
	if n > room {
		v.m.stop(fmt.Errorf("%w: more than Limits.%s (%d bytes) written", ErrOutputLimit, name, lim), 0)
		return errno(unix.EFBIG)
	}
	return n
}

// close emulates close.
func (t *fdTable) close(fd uint64) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fds[fd] == nil {
		return errno(unix.EBADF)
	}
	delete(t.fds, fd)
	return 0
}

// size returns the current size of a descriptor's content.
func (d *fdesc) size() (int64, error) {
	switch {
	case d.kind == fdFile && d.file.host != nil:
		st, err := d.file.host.Stat()
		if err != nil {
			return 0, err
		}
		return st.Size(), nil
	case d.kind == fdFile:
		return int64(len(d.file.data)), nil
	}
	return 0, nil
}

// lseek emulates lseek for SEEK_SET, SEEK_CUR and SEEK_END on files.
func (t *fdTable) lseek(fd uint64, off int64, whence uint64) uint64 {
	d := t.get(fd)
	if d == nil {
		return errno(unix.EBADF)
	}
	if d.kind != fdFile {
		return errno(unix.ESPIPE)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	base := int64(0)
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = d.off
	case io.SeekEnd:
		size, err := d.size()
		if err != nil {
			return errno(unix.EIO)
		}
		base = size
	default:
		return errno(unix.EINVAL)
	}
	if (off > 0 && base > (1<<63-1)-off) || base+off < 0 {
		return errno(unix.EINVAL)
	}
	d.off = base + off
	return uint64(d.off)
}

// ftruncate emulates ftruncate on a write-only descriptor, within its cap.
func (t *fdTable) ftruncate(v *vcpu, fd uint64, length int64) uint64 {
	d := t.get(fd)
	if d == nil {
		return errno(unix.EBADF)
	}
	if d.kind != fdFile || d.file.mode != WriteOnly {
		return errno(unix.EINVAL)
	}
	if length < 0 {
		return errno(unix.EINVAL)
	}
	f := d.file
	if f.maxSize > 0 && length > f.maxSize {
		v.m.stop(fmt.Errorf("%w: ftruncate to %d bytes passes the descriptor's MaxSize of %d bytes", ErrOutputLimit, length, f.maxSize), 0)
		return errno(unix.EFBIG)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if f.host != nil {
		if err := f.host.Truncate(length); err != nil {
			return errno(unix.EIO)
		}
		return 0
	}
	if length <= int64(len(f.data)) {
		f.data = f.data[:length]
	} else {
		f.data = append(f.data, make([]byte, length-int64(len(f.data)))...)
	}
	return 0
}

// fsync accepts a sync of any open descriptor; the host syncs after the run.
func (t *fdTable) fsync(fd uint64) uint64 {
	if t.get(fd) == nil {
		return errno(unix.EBADF)
	}
	return 0
}

// fcntl commands and open flags (include/uapi/asm-generic/fcntl.h).
const (
	fGetfd    = 1
	fSetfd    = 2
	fGetfl    = 3
	fSetfl    = 4
	oRdonly   = 0
	oWronly   = 1
	oRdwr     = 2
	oNonblock = 0x800
)

// fcntl emulates the descriptor-flag and status-flag commands.
func (t *fdTable) fcntl(fd, cmd uint64) uint64 {
	d := t.get(fd)
	if d == nil {
		return errno(unix.EBADF)
	}
	switch cmd {
	case fGetfd, fSetfd, fSetfl:
		return 0
	case fGetfl:
		switch d.kind {
		case fdStdin:
			return oRdonly
		case fdStdout, fdStderr:
			return oWronly
		case fdFile:
			if d.file.mode == WriteOnly {
				return oWronly
			}
			return oRdonly
		}
		return oRdwr | oNonblock
	}
	return errno(unix.EINVAL)
}

// struct stat on amd64 (arch/x86/include/uapi/asm/stat.h).
const (
	statSize       = 144
	statOffNlink   = 16
	statOffMode    = 24
	statOffSize    = 48
	statOffBlksize = 56
	statOffBlocks  = 64
	sIFREG         = 0o100000
	sIFIFO         = 0o010000
	atEmptyPath    = 0x1000
)

// fstat emulates fstat: files are regular files of their current size,
// the standard streams pipes.
func (t *fdTable) fstat(fd, buf uint64) uint64 {
	d := t.get(fd)
	if d == nil {
		return errno(unix.EBADF)
	}
	var st [statSize]byte
	mode, size := uint32(sIFIFO|0o600), int64(0)
	if d.kind == fdFile {
		mode = sIFREG | 0o400
		if d.file.mode == WriteOnly {
			mode = sIFREG | 0o200
		}
		d.mu.Lock()
		s, err := d.size()
		d.mu.Unlock()
		if err != nil {
			return errno(unix.EIO)
		}
		size = s
	}
	putLE64(st[statOffNlink:], 1)
	putLE32(st[statOffMode:], mode)
	putLE64(st[statOffSize:], uint64(size))
	putLE64(st[statOffBlksize:], pageSize)
	putLE64(st[statOffBlocks:], uint64((size+511)/512))
	if err := t.m.mem.write(buf, st[:]); err != nil {
		return errno(unix.EFAULT)
	}
	return 0
}

// fstatat emulates newfstatat: only the AT_EMPTY_PATH form on an open
// descriptor; every path is absent, as for openat.
func (t *fdTable) fstatat(dirfd, path, buf, flags uint64) uint64 {
	var c [1]byte
	if err := t.m.mem.read(path, c[:]); err != nil {
		return errno(unix.EFAULT)
	}
	if c[0] == 0 && flags&atEmptyPath != 0 {
		return t.fstat(dirfd, buf)
	}
	return errno(unix.ENOENT)
}
