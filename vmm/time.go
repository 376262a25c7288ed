package vmm

import (
	"time"

	"golang.org/x/sys/unix"
)

// Clock IDs (include/uapi/linux/time.h).
const (
	clockRealtime       = 0
	clockMonotonic      = 1
	clockRealtimeCoarse = 5
	clockTAI            = 11
	timerAbstime        = 1
	maxClockID          = 11
)

// monoBase is added to the guest's monotonic clock, so it never starts at
// zero (which some code treats as unset).
const monoBase = int64(time.Second)

// now returns clock clk's reading in nanoseconds. The guest's monotonic
// clocks count from its own start; the realtime ones are the host's.
func (m *machine) now(clk uint64) int64 {
	switch clk {
	case clockRealtime, clockRealtimeCoarse, clockTAI:
		return time.Now().UnixNano()
	}
	return monoBase + int64(time.Since(m.clockStart))
}

// clockGettime emulates clock_gettime for every clock (CPU-time clocks
// read as monotonic).
func (v *vcpu) clockGettime(clk, ts uint64) uint64 {
	if clk > maxClockID {
		return errno(unix.EINVAL)
	}
	t := v.m.now(clk)
	if err := v.m.mem.write(ts, append(le64(uint64(t/1e9)), le64(uint64(t%1e9))...)); err != nil {
		return errno(unix.EFAULT)
	}
	return 0
}

// readTimespec reads a struct timespec and returns it in nanoseconds.
func (m *machine) readTimespec(addr uint64) (int64, bool) {
	var b [16]byte
	if err := m.mem.read(addr, b[:]); err != nil {
		return 0, false
	}
	sec, nsec := int64(leUint64(b[:])), int64(leUint64(b[8:]))
	if sec < 0 || nsec < 0 || nsec >= 1e9 || sec > 1<<32 {
		return 0, false
	}
	return sec*1e9 + nsec, true
}

// minSleep is the shortest sleep a guest gets, a timer slack as Linux
// allows: the Go runtime's sysmon thread sleeps 20 µs at a time while the
// program runs, and each of its wake-ups costs several VM exits (its
// nanosleep and the clock reads around it) that compete with the guest's
// real work for the host's CPUs.
const minSleep = 2 * time.Millisecond

// sleep emulates nanosleep and clock_nanosleep (relative or TIMER_ABSTIME),
// for at least minSleep. The run ending wakes it.
func (v *vcpu) sleep(clk, flags, req uint64) uint64 {
	ns, ok := v.m.readTimespec(req)
	if !ok || clk > maxClockID {
		return errno(unix.EINVAL)
	}
	if flags&timerAbstime != 0 {
		ns -= v.m.now(clk)
	}
	if ns <= 0 {
		return 0
	}
	t := time.NewTimer(max(time.Duration(ns), minSleep))
	defer t.Stop()
	select {
	case <-t.C:
	case <-v.m.done:
	}
	return 0
}
