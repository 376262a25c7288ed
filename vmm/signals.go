package vmm

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Signals are accepted but never delivered: handlers, masks and alternate
// stacks are recorded so the guest reads back what it set, and kills of its
// own threads succeed without effect.

const (
	numSignals     = 64
	sigactionSize  = 32 // struct sigaction on amd64: handler, flags, restorer, mask
	sigsetSize     = 8
	ssDisable      = 2
	sigBlock       = 0
	sigUnblock     = 1
	sigSetmask     = 2
	stackFlagsOff  = 8 // stack_t.ss_flags
	maxSignalValue = numSignals
)

// signals is the process-wide handler table.
type signals struct {
	mu      sync.Mutex
	actions [numSignals + 1][sigactionSize]byte
}

// action emulates rt_sigaction.
func (s *signals) action(v *vcpu, sig, act, old, size uint64) uint64 {
	if sig == 0 || sig > maxSignalValue || size != sigsetSize {
		return errno(unix.EINVAL)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mem := v.m.mem
	if old != 0 {
		if err := mem.write(old, s.actions[sig][:]); err != nil {
			return errno(unix.EFAULT)
		}
	}
	if act != 0 {
		var a [sigactionSize]byte
		if err := mem.read(act, a[:]); err != nil {
			return errno(unix.EFAULT)
		}
		s.actions[sig] = a
	}
	return 0
}

// sigprocmask emulates rt_sigprocmask for the calling thread.
func (v *vcpu) sigprocmask(how, set, old, size uint64) uint64 {
	if size != sigsetSize {
		return errno(unix.EINVAL)
	}
	mem := v.m.mem
	if old != 0 {
		if err := mem.write(old, le64(v.sigmask)); err != nil {
			return errno(unix.EFAULT)
		}
	}
	if set != 0 {
		var b [8]byte
		if err := mem.read(set, b[:]); err != nil {
			return errno(unix.EFAULT)
		}
		x := leUint64(b[:])
		switch how {
		case sigBlock:
			v.sigmask |= x
		case sigUnblock:
			v.sigmask &^= x
		case sigSetmask:
			v.sigmask = x
		default:
			return errno(unix.EINVAL)
		}
	}
	return 0
}

// sigaltstack emulates sigaltstack for the calling thread; a new thread
// starts with none.
func (v *vcpu) sigaltstack(ss, old uint64) uint64 {
	mem := v.m.mem
	if old != 0 {
		cur := v.altstack
		if cur == [24]byte{} {
			cur[stackFlagsOff] = ssDisable
		}
		if err := mem.write(old, cur[:]); err != nil {
			return errno(unix.EFAULT)
		}
	}
	if ss != 0 {
		if err := mem.read(ss, v.altstack[:]); err != nil {
			return errno(unix.EFAULT)
		}
	}
	return 0
}

// tkill accepts a signal for one of the guest's own threads and drops it.
func (v *vcpu) tkill(tid uint64, ownProcess bool) uint64 {
	m := v.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.vcpus {
		if ownProcess && uint64(o.tid) == tid {
			return 0
		}
	}
	return errno(unix.ESRCH)
}
