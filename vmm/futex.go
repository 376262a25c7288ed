package vmm

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Futex operations (include/uapi/linux/futex.h); the private flag and the
// realtime-clock flag are accepted and ignored (one process, one clock).
const (
	futexWait        = 0
	futexWake        = 1
	futexWaitBitset  = 9
	futexWakeBitset  = 10
	futexPrivateFlag = 128
	futexClockRT     = 256
)

// futexTable holds host wait queues keyed by guest virtual address (the
// guest is a single address space). The word is compared under mu, so a
// wake between the check and the sleep is never lost.
type futexTable struct {
	mu      sync.Mutex
	waiters map[uint64][]chan struct{}
}

// futex emulates FUTEX_WAIT and FUTEX_WAKE (and their bitset forms, with
// every bit set as the Go runtime uses them).
func (f *futexTable) futex(v *vcpu, addr, op, val, timeout uint64) uint64 {
	switch op &^ (futexPrivateFlag | futexClockRT) {
	case futexWait, futexWaitBitset:
		return f.wait(v, addr, uint32(val), timeout, op&^(futexPrivateFlag|futexClockRT) == futexWaitBitset)
	case futexWake, futexWakeBitset:
		return f.wake(addr, int(int32(val)))
	}
	return errno(unix.ENOSYS)
}

// wait sleeps while the word at addr holds val, until a wake, the timeout
// (relative for FUTEX_WAIT, absolute for the bitset form) or the run's end.
func (f *futexTable) wait(v *vcpu, addr uint64, val uint32, timeout uint64, absolute bool) uint64 {
	m := v.m
	var d time.Duration = -1
	if timeout != 0 {
		ns, ok := m.readTimespec(timeout)
		if !ok {
			return errno(unix.EINVAL)
		}
		if absolute {
			ns -= m.now(clockMonotonic)
		}
		if d = time.Duration(ns); d <= 0 {
			return errno(unix.ETIMEDOUT)
		}
	}
	w, err := m.mem.word(addr)
	if err != nil {
		return errno(unix.EFAULT)
	}
	f.mu.Lock()
	if loadFutex(w) != val {
		f.mu.Unlock()
		return errno(unix.EAGAIN)
	}
	ch := make(chan struct{}, 1)
	if f.waiters == nil {
		f.waiters = map[uint64][]chan struct{}{}
	}
	f.waiters[addr] = append(f.waiters[addr], ch)
	f.mu.Unlock()

	var expired <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-ch:
		return 0
	case <-m.done:
		return 0
	case <-expired:
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.waiters[addr]
	for i, c := range q {
		if c == ch {
			f.setQueue(addr, append(q[:i:i], q[i+1:]...))
			return errno(unix.ETIMEDOUT)
		}
	}
	return 0 // woken just as the timer fired
}

// wake wakes up to n waiters on addr and returns how many it woke.
func (f *futexTable) wake(addr uint64, n int) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.waiters[addr]
	k := min(max(n, 0), len(q))
	for _, c := range q[:k] {
		c <- struct{}{}
	}
	f.setQueue(addr, q[k:])
	return uint64(k)
}

// setQueue stores q for addr, dropping empty queues.
func (f *futexTable) setQueue(addr uint64, q []chan struct{}) {
	if len(q) == 0 {
		delete(f.waiters, addr)
		return
	}
	f.waiters[addr] = q
}
