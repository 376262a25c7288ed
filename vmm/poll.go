package vmm

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The Go netpoller needs one epoll instance and one eventfd to wake it
// (netpollBreak); timers sleep in epoll_pwait. Only eventfds can be
// watched: the guest's files are regular files, which Linux refuses too.

const (
	epollCtlAdd    = 1
	epollCtlDel    = 2
	epollCtlMod    = 3
	epollIn        = 0x1
	epollEventSize = 12 // struct epoll_event is packed on amd64
	maxEpollEvents = 1024
)

// eventfd is a counter that wakes the epolls watching it.
type eventfd struct {
	mu       sync.Mutex
	count    uint64
	watchers map[*epoll]bool
}

// epoll is a set of watched eventfds.
type epoll struct {
	mu    sync.Mutex
	watch map[*eventfd]epollWatch
	wake  chan struct{} // buffered: an eventfd became readable
}

// epollWatch is one registration: the events asked for and the user data.
type epollWatch struct {
	events uint32
	data   uint64
}

// eventfd emulates eventfd2 (always non-blocking).
func (t *fdTable) eventfd(initval, flags uint64) uint64 {
	return t.add(&fdesc{kind: fdEventfd, ev: &eventfd{count: uint64(uint32(initval)), watchers: map[*epoll]bool{}}})
}

// read returns and clears the counter, or EAGAIN when it is zero.
func (e *eventfd) read(v *vcpu, buf, n uint64) uint64 {
	if n < 8 {
		return errno(unix.EINVAL)
	}
	e.mu.Lock()
	c := e.count
	e.count = 0
	e.mu.Unlock()
	if c == 0 {
		return errno(unix.EAGAIN)
	}
	if err := v.m.mem.write(buf, le64(c)); err != nil {
		return errno(unix.EFAULT)
	}
	return 8
}

// write adds to the counter and wakes the watchers.
func (e *eventfd) write(v *vcpu, buf, n uint64) uint64 {
	if n < 8 {
		return errno(unix.EINVAL)
	}
	var b [8]byte
	if err := v.m.mem.read(buf, b[:]); err != nil {
		return errno(unix.EFAULT)
	}
	x := leUint64(b[:])
	if x == ^uint64(0) {
		return errno(unix.EINVAL)
	}
	e.mu.Lock()
	if x > ^uint64(0)-1-e.count {
		e.mu.Unlock()
		return errno(unix.EAGAIN)
	}
	e.count += x
	var wake []*epoll
	for ep := range e.watchers {
		wake = append(wake, ep)
	}
	e.mu.Unlock()
	for _, ep := range wake {
		select {
		case ep.wake <- struct{}{}:
		default:
		}
	}
	return 8
}

// epollCreate emulates epoll_create1.
func (t *fdTable) epollCreate(flags uint64) uint64 {
	return t.add(&fdesc{kind: fdEpoll, ep: &epoll{watch: map[*eventfd]epollWatch{}, wake: make(chan struct{}, 1)}})
}

// epollCtl emulates epoll_ctl for eventfds.
func (t *fdTable) epollCtl(v *vcpu, epfd, op, fd, event uint64) uint64 {
	d, target := t.get(epfd), t.get(fd)
	if d == nil || target == nil {
		return errno(unix.EBADF)
	}
	if d.kind != fdEpoll {
		return errno(unix.EINVAL)
	}
	if target.kind != fdEventfd {
		return errno(unix.EPERM)
	}
	ep, ev := d.ep, target.ev
	var w epollWatch
	if op != epollCtlDel {
		var b [epollEventSize]byte
		if err := v.m.mem.read(event, b[:]); err != nil {
			return errno(unix.EFAULT)
		}
		w = epollWatch{events: leUint32(b[:]), data: leUint64(b[4:])}
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	_, have := ep.watch[ev]
	switch {
	case op == epollCtlAdd && have:
		return errno(unix.EEXIST)
	case (op == epollCtlDel || op == epollCtlMod) && !have:
		return errno(unix.ENOENT)
	case op == epollCtlAdd || op == epollCtlMod:
		ep.watch[ev] = w
		ev.mu.Lock()
		ev.watchers[ep] = true
		ev.mu.Unlock()
	case op == epollCtlDel:
		delete(ep.watch, ev)
		ev.mu.Lock()
		delete(ev.watchers, ep)
		ev.mu.Unlock()
	default:
		return errno(unix.EINVAL)
	}
	return 0
}

// epollWait emulates epoll_wait and epoll_pwait (the signal mask is
// irrelevant: no signal is ever delivered). timeout is in milliseconds,
// negative for none.
func (t *fdTable) epollWait(v *vcpu, epfd, events, maxEvents uint64, timeout int64) uint64 {
	d := t.get(epfd)
	if d == nil {
		return errno(unix.EBADF)
	}
	if d.kind != fdEpoll || maxEvents == 0 || maxEvents > maxEpollEvents {
		return errno(unix.EINVAL)
	}
	ep := d.ep
	var expired <-chan time.Time
	if timeout > 0 {
		tm := time.NewTimer(time.Duration(timeout) * time.Millisecond)
		defer tm.Stop()
		expired = tm.C
	}
	for {
		var out []byte
		ep.mu.Lock()
		for ev, w := range ep.watch {
			ev.mu.Lock()
			ready := ev.count > 0 && w.events&epollIn != 0
			ev.mu.Unlock()
			if ready && uint64(len(out)) < maxEvents*epollEventSize {
				var b [epollEventSize]byte
				putLE32(b[:], epollIn)
				putLE64(b[4:], w.data)
				out = append(out, b[:]...)
			}
		}
		ep.mu.Unlock()
		if len(out) > 0 {
			if err := v.m.mem.write(events, out); err != nil {
				return errno(unix.EFAULT)
			}
			return uint64(len(out) / epollEventSize)
		}
		if timeout == 0 {
			return 0
		}
		select {
		case <-ep.wake:
		case <-expired:
			return 0
		case <-v.m.done:
			return 0
		}
	}
}
