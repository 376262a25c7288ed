package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/instar-go/instar/internal/info"
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
	return checkRegular(what, path, f)
}

// checkRegular returns f with its fstat if it is a regular file, and
// closes it otherwise.
func checkRegular(what, path string, f *os.File) (*os.File, fs.FileInfo, error) {
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

// extentDir is the directory of a VMDK descriptor, opened once. The host
// opens the descriptor's extent files only beneath it: the names come from
// an untrusted file, and qemu-img following "/etc/shadow" or
// "../../secret" (or a symbolic link to them) is how a crafted descriptor
// makes it read files the user never named. OpenStack's format inspector
// refuses such names too.
type extentDir struct {
	f    *os.File // an O_PATH descriptor of the directory
	name string   // the directory as the descriptor's path names it
}

// openExtentDir opens the directory of the descriptor at path as typed:
// its directory part, or "." (qemu resolves extent names against that
// part, without following symbolic links in the descriptor's name).
func openExtentDir(descriptor string) (*extentDir, error) {
	name := descriptor[:strings.LastIndexByte(descriptor, '/')+1]
	if name == "" {
		name = "."
	}
	f, err := os.OpenFile(name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &openError{"directory of the descriptor", name, describeErrno(unwrapPath(err))}
	}
	return &extentDir{f: f, name: name}, nil
}

func (d *extentDir) Close() error { return d.f.Close() }

// open opens extent file x read-only beneath d, with openRegular's rules
// (no blocking on a FIFO, regular files only), or says why its name is
// refused.
func (d *extentDir) open(x info.ExtentFile) (*os.File, fs.FileInfo, error) {
	fd, err := openBeneath(int(d.f.Fd()), x.Name)
	var esc *escapeError
	switch {
	case errors.As(err, &esc):
		return nil, nil, &extentRefusedError{name: x.Name, dir: d.name, why: esc.why}
	case err != nil:
		return nil, nil, &openError{"extent file", x.Path, describeErrno(err)}
	}
	return checkRegular("extent file", x.Path, os.NewFile(uintptr(fd), x.Path))
}

// extentRefusedError is an extent name the host will not follow.
type extentRefusedError struct {
	name, dir, why string
}

func (e *extentRefusedError) Error() string {
	return fmt.Sprintf("vmdk extent file '%s' refused: %s\n"+
		"qemu-img would follow the name; instar opens extent files only inside the descriptor's directory ('%s'), on purpose, as OpenStack's format inspector does",
		e.name, e.why, e.dir)
}

// escapeError says why a name leads outside the directory it is opened
// beneath.
type escapeError struct{ why string }

func (e *escapeError) Error() string { return e.why }

// beneathFlags open an extent file as openRegular opens an image.
const beneathFlags = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC

// openBeneath opens the relative name beneath the directory dir and
// returns the descriptor. openat2(2) with RESOLVE_BENEATH makes the kernel
// refuse every way out: an absolute name, a ".." above dir, a symbolic link
// (absolute, or relative and climbing) anywhere on the way, and
// RESOLVE_NO_MAGICLINKS the /proc links to open files. A name that leads
// out is an *escapeError.
//
// Without openat2 (Linux before 5.6, or a seccomp filter that denies it)
// openNoSymlinks gives the same guarantee more strictly.
func openBeneath(dir int, name string) (int, error) {
	if strings.HasPrefix(name, "/") {
		return -1, &escapeError{"it is an absolute path"}
	}
	how := unix.OpenHow{Flags: beneathFlags, Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS}
	for try := 0; ; try++ {
		fd, err := unix.Openat2(dir, name, &how)
		switch {
		case err == unix.ENOSYS || err == unix.EPERM:
			return openNoSymlinks(dir, name)
		case err == unix.EINTR, err == unix.EAGAIN && try < 16:
			// EAGAIN: a concurrent rename kept the kernel from proving
			// that a ".." stayed inside; openat2(2) says to retry.
			continue
		case err == unix.EXDEV:
			if climbsOut(name) {
				return -1, &escapeError{"its '..' climbs out of the descriptor's directory"}
			}
			return -1, &escapeError{"a symbolic link on its way leads out of the descriptor's directory"}
		}
		return fd, err
	}
}

// climbsOut reports whether the relative name, read without following
// anything, has a ".." above its start.
func climbsOut(name string) bool {
	depth := 0
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			if depth == 0 {
				return true
			}
			depth--
		default:
			depth++
		}
	}
	return false
}

// openNoSymlinks opens the relative name beneath dir without openat2: it
// refuses ".." and walks the name one component at a time with O_NOFOLLOW,
// so no symbolic link is followed at all. That refuses symbolic links that
// stay inside the directory too, which openBeneath allows.
func openNoSymlinks(dir int, name string) (int, error) {
	if strings.HasPrefix(name, "/") {
		return -1, &escapeError{"it is an absolute path"}
	}
	var parts []string
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			return -1, &escapeError{"it contains '..', which instar does not follow without openat2(2) (Linux 5.6 or later)"}
		}
		parts = append(parts, c)
	}
	if len(parts) == 0 {
		parts = []string{"."}
	}
	cur := dir
	for i, p := range parts {
		flags := unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		if i == len(parts)-1 {
			flags = beneathFlags | unix.O_NOFOLLOW
		}
		fd, err := openatRetry(cur, p, flags)
		if err != nil {
			var st unix.Stat_t
			if unix.Fstatat(cur, p, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
				err = &escapeError{"it passes through a symbolic link, which instar follows only where openat2(2) (Linux 5.6 or later) can keep it inside the descriptor's directory"}
			}
		}
		if cur != dir {
			unix.Close(cur)
		}
		if err != nil {
			return -1, err
		}
		cur = fd
	}
	return cur, nil
}

// openatRetry is openat(2), repeated when a signal interrupts it.
func openatRetry(dir int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dir, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
