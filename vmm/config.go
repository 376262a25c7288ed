package vmm

import (
	"fmt"
	"os"
	"time"
)

// Mode says what the guest may do with one of its extra descriptors.
type Mode int

// The descriptor modes.
const (
	// ReadOnly descriptors answer read, pread64, fstat and lseek.
	ReadOnly Mode = iota + 1
	// WriteOnly descriptors answer write, pwrite64, ftruncate, fstat and lseek.
	WriteOnly
)

// String returns "read-only" or "write-only".
func (m Mode) String() string {
	switch m {
	case ReadOnly:
		return "read-only"
	case WriteOnly:
		return "write-only"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// File is one extra descriptor for the guest. Config.Files[i] is the guest's
// descriptor 3+i.
type File struct {
	// Mode is ReadOnly or WriteOnly.
	Mode Mode
	// Host, when set, backs the descriptor with a host file: the guest's
	// reads and writes become ReadAt and WriteAt calls at the guest's own
	// offsets, so the host file's offset never moves. Run does not close it.
	Host *os.File
	// Data is the content of a read-only descriptor that has no Host file.
	// Run never modifies it. A write-only descriptor without a Host file
	// starts empty; its final content is returned in Result.Files.
	Data []byte
	// MaxSize caps a write-only descriptor: a write or ftruncate that would
	// make it larger than MaxSize bytes ends the run with ErrOutputLimit.
	// Zero means no cap beyond Limits.Written.
	MaxSize int64
}

// Limits bounds what a guest may consume. A zero field takes its default.
type Limits struct {
	// Memory is the most guest memory, in bytes, that may be backed
	// (default 512 MiB; rounded up to 2 MiB). It covers the heap and the
	// stacks; the executable's image (its segments and bss) is not counted.
	Memory int64
	// VCPUs is the most guest threads (each is a vCPU) that may exist at
	// once (default 8, at most MaxVCPUs). The guest sees min(VCPUs, host
	// CPUs) CPUs in sched_getaffinity. A clone beyond it answers EAGAIN.
	VCPUs int
	// WallTime is the longest the guest may run, from VM creation to its
	// exit (default 30 s).
	WallTime time.Duration
	// Written is the most bytes the guest may write to all write-only
	// descriptors together (default 4 GiB).
	Written int64
	// Stdout and Stderr are the most bytes the guest may write to its
	// standard output and standard error (default 1 MiB each).
	Stdout, Stderr int64
}

// Default limits, used for zero fields of Limits.
const (
	DefaultMemory   = 512 << 20
	DefaultVCPUs    = 8
	DefaultWallTime = 30 * time.Second
	DefaultWritten  = 4 << 30
	DefaultStdout   = 1 << 20
	DefaultStderr   = 1 << 20
	// MaxVCPUs is the largest Limits.VCPUs accepted.
	MaxVCPUs = 64
)

// Config describes one guest run.
type Config struct {
	// Path names a static linux/amd64 executable. Run reads it (mapped, not
	// read into memory whole) and copies its segments into the guest.
	// Exactly one of Path and Executable is set.
	Path string
	// Executable is the executable's content, used when Path is empty.
	// Run never modifies it.
	Executable []byte
	// Args is the guest's argv, argv[0] included. Empty means just the
	// executable's path (or "guest").
	Args []string
	// Env is the guest's environment ("KEY=value"). Go guests start faster
	// with GOMAXPROCS=1, GODEBUG=asyncpreemptoff=1 and GOGC=off with a
	// GOMEMLIMIT below Limits.Memory; Run adds nothing on its own.
	Env []string
	// Stdin is what the guest reads from descriptor 0; then it reads EOF.
	Stdin []byte
	// Files are the guest's descriptors 3, 4, … in order.
	Files []File
	// Limits bounds the run.
	Limits Limits
	// Snapshot starts the guest from a snapshot of its initialised state
	// instead of from its entry point, which skips the Go runtime's start-up
	// (most of a short run's cost). The snapshot is taken, once per process,
	// the first time the executable at Path runs with the same Args, Env,
	// Limits.Memory, Limits.VCPUs and descriptor modes, at the guest's first
	// use of a descriptor (a read of stdin, for example), so what the guest
	// does before that must depend on nothing else: not on the time, not on
	// random numbers it expects to differ between runs. Path must name an
	// executable that does not change while the process runs.
	Snapshot bool
	// SnapshotDir, when set (with Snapshot and Path), keeps snapshots in
	// files in this directory as well, so that later processes start from
	// them too (see snapshot_file.go for what names a file). Run creates
	// the directory (mode 0700) when missing. It uses a directory or file
	// only when it belongs to this user and no one else may write to it,
	// and it ignores, and later replaces, a file that does not decode:
	// the files are a cache, never a reason for a run to fail. At most 16
	// files are kept; the oldest are removed.
	SnapshotDir string
}

// withDefaults returns l with every zero field replaced by its default.
func (l Limits) withDefaults() Limits {
	if l.Memory == 0 {
		l.Memory = DefaultMemory
	}
	if l.VCPUs == 0 {
		l.VCPUs = DefaultVCPUs
	}
	if l.WallTime == 0 {
		l.WallTime = DefaultWallTime
	}
	if l.Written == 0 {
		l.Written = DefaultWritten
	}
	if l.Stdout == 0 {
		l.Stdout = DefaultStdout
	}
	if l.Stderr == 0 {
		l.Stderr = DefaultStderr
	}
	return l
}
