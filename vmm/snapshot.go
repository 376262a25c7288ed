package vmm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Snapshots. A Go program spends its first ~200 syscalls (and most of a
// short run) initialising its runtime, and that work does not depend on
// the run's inputs. With Config.Snapshot, the first run of an executable
// (per Args, Env, Memory, VCPUs and descriptor modes) is frozen at the
// guest's first use of a descriptor — before it has read or written
// anything — and every later run, this first one included, starts from
// that frozen state in a fresh VM: the pages the guest had written are
// copied in and its threads are recreated with their registers. Threads
// that were waiting (futex, sleep, epoll, clone) redo that syscall, which
// the Go runtime tolerates as a spurious wake-up.

// errFrozen stops a run that took its snapshot.
var errFrozen = errors.New("vmm: stopped for a snapshot")

// usesDescriptor reports whether a syscall touches the run's inputs or
// outputs, where a snapshot must be taken at the latest.
func usesDescriptor(nr Syscall, fd uint64) bool {
	switch nr {
	case sysRead, sysWrite, sysPread64, sysPwrite64, sysLseek, sysFstat, sysNewfstatat,
		sysFtruncate, sysFsync, sysFdatasync, sysClose:
		return true
	case sysFcntl:
		return fd > 2 // F_GETFL of fd 3… depends on the descriptor's mode
	}
	return false
}

// restartable reports whether a syscall that the freeze interrupted is
// redone after a restore instead of completed: waits (the Go runtime
// re-checks its condition after any wake-up) and a clone that the freeze
// refused.
func restartable(nr Syscall, op, ret uint64) bool {
	switch nr {
	case sysFutex:
		op &^= futexPrivateFlag | futexClockRT
		return op == futexWait || op == futexWaitBitset
	case sysNanosleep, sysClockNanosleep, sysEpollWait, sysEpollPwait, sysSchedYield:
		return true
	case sysClone:
		return ret == errno(unix.EAGAIN)
	}
	return false
}

// freeze stops the run for a snapshot; v is at the syscall that uses a
// descriptor, which is redone after the restore.
func (m *machine) freeze(v *vcpu, regs kvmRegs) {
	m.mu.Lock()
	m.frozen = true
	m.mu.Unlock()
	v.capture(regs, true)
	m.stop(errFrozen, 0)
}

// isFrozen reports whether the run stopped for a snapshot.
func (m *machine) isFrozen() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.frozen
}

// capture records v's state for the snapshot.
func (v *vcpu) capture(regs kvmRegs, restart bool) {
	// Of the segment registers only the FS base is the guest's own; the
	// rest are rebuilt as for any user thread, whatever mode the exit
	// left the vCPU in.
	st := threadState{regs: regs, fsBase: v.run.Sregs.FS.Base, restart: restart, id: v.id, slot: v.slot, tid: v.tid,
		sigmask: v.sigmask, altstack: v.altstack, restoredThread: true}
	v.m.mu.Lock()
	v.m.threads = append(v.m.threads, st)
	v.m.mu.Unlock()
}

// snapshot is a frozen guest that runs restore from.
type snapshot struct {
	heapPages  []page // the guest memory pages that are not all zero
	imagePages []page // the executable's writable pages
	tables     []byte // the page-table pool, [ptPoolOff, ptNext)
	mem        memory // bookkeeping only (no mappings)
	fds        map[uint64]*fdesc
	sig        [numSignals + 1][sigactionSize]byte
	threads    []threadState
	created    int
	clock      int64 // the guest's monotonic clock at the freeze
}

// page is one saved page: its offset in its mapping and its bytes.
type page struct {
	off  uint64
	data []byte
}

// takeSnapshot copies what a restore needs out of a frozen machine.
func takeSnapshot(m *machine) *snapshot {
	s := &snapshot{threads: m.threads, created: m.created, clock: m.now(clockMonotonic)}
	mem := m.mem
	// Only the pages the guest wrote (a few hundred KiB for a Go
	// program's start-up) are kept; the rest reads as zero.
	zero := make([]byte, pageSize)
	for off := uint64(0); off < mem.heapNext; off += pageSize {
		if p := mem.heap[off : off+pageSize]; !bytes.Equal(p, zero) {
			s.heapPages = append(s.heapPages, page{off, bytes.Clone(p)})
		}
	}
	// The executable's writable pages that the guest changed; a restore
	// starts from a fresh copy of the file for the rest. (Comparing
	// matters: a Go binary's bss can be tens of MiB the guest never
	// touches, crypto/internal/fips140/drbg's 32 MiB for one.)
	initial := make([]byte, pageSize)
	for _, r := range m.exe.writable() {
		for off := r[0]; off < r[1]; off += pageSize {
			m.exe.initialPage(off, initial)
			if p := mem.image[off : off+pageSize]; !bytes.Equal(p, initial) {
				s.imagePages = append(s.imagePages, page{off, bytes.Clone(p)})
			}
		}
	}
	s.tables = bytes.Clone(mem.sys[ptPoolOff:mem.ptNext])
	s.mem = memory{
		heapNext: mem.heapNext, ptNext: mem.ptNext,
		maps: spanSet{append([]span(nil), mem.maps.spans...)}, dirty: spanSet{append([]span(nil), mem.dirty.spans...)}, next: mem.next,
	}
	s.fds = m.files.fds
	s.sig = m.sig.actions
	return s
}

// restore loads the snapshot into a new machine whose descriptors 0–2 and
// Config.Files are the new run's: the saved pages, page tables and
// bookkeeping, and the guest's own eventfds and epolls, are copied in.
func (s *snapshot) restore(m *machine) error {
	mem := m.mem
	if int64(s.mem.heapNext) > mem.limit {
		return fmt.Errorf("%w: the snapshot uses %d bytes", ErrMemoryLimit, s.mem.heapNext)
	}
	writable := m.exe.writable()
	for _, p := range s.imagePages {
		if !slices.ContainsFunc(writable, func(r [2]uint64) bool { return p.off >= r[0] && p.off < r[1] }) {
			return fmt.Errorf("%w: an image page at offset %#x is outside the executable's writable segments", errBadSnapshot, p.off)
		}
	}
	for _, p := range s.heapPages {
		copy(mem.heap[p.off:], p.data)
	}
	for _, p := range s.imagePages {
		copy(mem.image[p.off:], p.data)
	}
	copy(mem.sys[ptPoolOff:], s.tables)
	mem.heapNext, mem.ptNext = s.mem.heapNext, s.mem.ptNext
	mem.maps.spans = append([]span(nil), s.mem.maps.spans...)
	mem.dirty.spans = append([]span(nil), s.mem.dirty.spans...)
	mem.next = s.mem.next
	// The guest's eventfds and epolls, with the watches between them.
	evs := map[*eventfd]*eventfd{}
	eps := map[*epoll]*epoll{}
	for fd, d := range s.fds {
		switch d.kind {
		case fdEventfd:
			evs[d.ev] = &eventfd{count: d.ev.count, watchers: map[*epoll]bool{}}
			m.files.fds[fd] = &fdesc{kind: fdEventfd, ev: evs[d.ev]}
		case fdEpoll:
			eps[d.ep] = &epoll{watch: map[*eventfd]epollWatch{}, wake: make(chan struct{}, 1)}
			m.files.fds[fd] = &fdesc{kind: fdEpoll, ep: eps[d.ep]}
		}
	}
	for old, ep := range eps {
		for ev, w := range old.watch {
			if nev := evs[ev]; nev != nil {
				ep.watch[nev] = w
				nev.watchers[ep] = true
			}
		}
	}
	m.sig.actions = s.sig
	m.created = s.created
	for _, t := range s.threads {
		m.slots |= 1 << t.slot // before any restored thread can clone
	}
	m.clockStart = time.Now().Add(-time.Duration(s.clock - monoBase))
	return nil
}

// snapshotKey names what a snapshot may be reused for: the same executable
// file, arguments, environment, memory and vCPU limits and descriptor modes.
func snapshotKey(cfg *Config, lim Limits) (string, bool) {
	if cfg.Path == "" {
		return "", false
	}
	st, err := os.Stat(cfg.Path)
	if err != nil {
		return "", false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%d:%d:%d:%d\x00%d:%d\x00", cfg.Path, sys.Dev, sys.Ino, st.Size(), st.ModTime().UnixNano(), lim.Memory, lim.VCPUs)
	for _, a := range cfg.Args {
		fmt.Fprintf(&b, "a%d:%s", len(a), a)
	}
	for _, e := range cfg.Env {
		fmt.Fprintf(&b, "e%d:%s", len(e), e)
	}
	for _, f := range cfg.Files {
		fmt.Fprintf(&b, "f%d", f.Mode)
	}
	return b.String(), true
}

// maxSnapshots bounds the snapshots kept per process (each holds the
// pages its guest had written, typically well under 1 MiB).
const maxSnapshots = 8

// snapshots caches snapshots by key. An entry is made by the first run
// that needs it; concurrent runs wait for it.
var snapshots struct {
	mu      sync.Mutex
	entries map[string]*snapshotEntry
	order   []string // oldest first
}

// snapshotEntry is one cached snapshot, or the knowledge that there is
// none for its key.
type snapshotEntry struct {
	ready chan struct{} // closed once snap and none are final
	snap  *snapshot
	none  bool // the guest exited without using a descriptor
}

// acquireSnapshot returns the entry for key. When create is true the
// entry is new and the caller must take the snapshot and publish it.
func acquireSnapshot(key string) (e *snapshotEntry, create bool) {
	snapshots.mu.Lock()
	defer snapshots.mu.Unlock()
	if snapshots.entries == nil {
		snapshots.entries = map[string]*snapshotEntry{}
	}
	if e := snapshots.entries[key]; e != nil {
		return e, false
	}
	e = &snapshotEntry{ready: make(chan struct{})}
	snapshots.entries[key] = e
	snapshots.order = append(snapshots.order, key)
	if len(snapshots.order) > maxSnapshots {
		delete(snapshots.entries, snapshots.order[0])
		snapshots.order = snapshots.order[1:]
	}
	return e, true
}

// publish finishes an entry made by acquireSnapshot: with a snapshot, with
// none, or (s == nil and !none: taking it failed) dropped, so that a later
// run tries again. Runs waiting for it then run fresh.
func (e *snapshotEntry) publish(key string, s *snapshot, none bool) {
	snapshots.mu.Lock()
	e.snap, e.none = s, none
	if s == nil && !none && snapshots.entries[key] == e {
		delete(snapshots.entries, key)
		for i, k := range snapshots.order {
			if k == key {
				snapshots.order = append(snapshots.order[:i], snapshots.order[i+1:]...)
				break
			}
		}
	}
	snapshots.mu.Unlock()
	close(e.ready)
}
