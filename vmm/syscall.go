package vmm

import (
	"crypto/rand"
	"runtime"

	"golang.org/x/sys/unix"
)

// errno encodes a syscall's failure as the kernel returns it in RAX.
func errno(e unix.Errno) uint64 { return uint64(-int64(e)) }

// Syscall argument values the emulation looks at.
const (
	cloneVM       = 0x100
	cloneThread   = 0x10000
	cloneSettls   = 0x80000
	cloneParentTD = 0x100000
	archSetFS     = 0x1002
	archGetFS     = 0x1003
	prSetVMA      = 0x53564d41
	rlimitNofile  = 7
	maxIO         = 0x7ffff000 // the most one read or write moves, as Linux
	maxRandom     = 1 << 25
)

// syscall emulates the syscall whose number is in RAX and re-enters user
// mode after the syscall instruction. exit is true when the thread ended.
func (v *vcpu) syscall() (status int, exit bool) {
	m, r := v.m, &v.run.Regs
	nr := Syscall(r.RAX)
	a0, a1, a2, a3, a4 := r.RDI, r.RSI, r.RDX, r.R10, r.R8
	if m.freezing && usesDescriptor(nr, a0) {
		m.freeze(v, *r)
		return 0, true
	}
	entry := *r
	if nr < maxCountedSyscalls {
		v.syscalls[nr]++
	}
	var ret uint64
	switch nr {
	case sysRead:
		ret = m.files.read(v, a0, a1, a2, -1)
	case sysWrite:
		ret = m.files.write(v, a0, a1, a2, -1)
	case sysPread64, sysPwrite64:
		if int64(a3) < 0 {
			ret = errno(unix.EINVAL)
		} else if nr == sysPread64 {
			ret = m.files.read(v, a0, a1, a2, int64(a3))
		} else {
			ret = m.files.write(v, a0, a1, a2, int64(a3))
		}
	case sysClose:
		ret = m.files.close(a0)
	case sysFstat:
		ret = m.files.fstat(a0, a1)
	case sysNewfstatat:
		ret = m.files.fstatat(a0, a1, a2, a3)
	case sysLseek:
		ret = m.files.lseek(a0, int64(a1), a2)
	case sysFcntl:
		ret = m.files.fcntl(a0, a1)
	case sysFtruncate:
		ret = m.files.ftruncate(v, a0, int64(a1))
	case sysFsync, sysFdatasync:
		ret = m.files.fsync(a0)
	case sysOpenat:
		ret = errno(unix.ENOENT) // there are no files to open
	case sysEpollCreate1:
		ret = m.files.epollCreate(a0)
	case sysEpollCtl:
		ret = m.files.epollCtl(v, a0, a1, a2, a3)
	case sysEpollWait, sysEpollPwait:
		ret = m.files.epollWait(v, a0, a1, a2, int64(int32(a3)))
	case sysEventfd2:
		ret = m.files.eventfd(a0, a1)

	case sysMmap:
		ret = m.sysMmap(a0, a1, a2, a3, a4)
	case sysMunmap:
		ret = m.sysMunmap(a0, a1)
	case sysMprotect:
		ret = m.sysMprotect(a0, a1, a2)
	case sysMadvise:
		ret = m.sysMadvise(a0, a1, a2)

	case sysClone:
		ret = v.clone(a0, a1, a2, r.R8)
	case sysExit:
		return int(int32(a0)), true
	case sysExitGroup:
		m.stop(nil, int(int32(a0)))
		return 0, true
	case sysFutex:
		ret = m.futex.futex(v, a0, a1, a2, a3)
	case sysGettid:
		ret = uint64(v.tid)
	case sysGetpid:
		ret = guestPID
	case sysSchedYield:
		runtime.Gosched()
	case sysSchedGetaffin:
		ret = v.schedGetaffinity(a1, a2)
	case sysArchPrctl:
		ret = v.archPrctl(a0, a1)
	case sysPrctl:
		if a0 != prSetVMA {
			return v.refuse(nr)
		}
		ret = errno(unix.EINVAL)
	case sysPrlimit64:
		ret = v.prlimit(a0, a1, a2, a3)
	case sysGetrandom:
		ret = v.getrandom(a0, a1)

	case sysClockGettime:
		ret = v.clockGettime(a0, a1)
	case sysNanosleep:
		ret = v.sleep(0, 0, a0)
	case sysClockNanosleep:
		ret = v.sleep(a0, a1, a2)

	case sysRtSigaction:
		ret = m.sig.action(v, a0, a1, a2, a3)
	case sysRtSigprocmask:
		ret = v.sigprocmask(a0, a1, a2, a3)
	case sysSigaltstack:
		ret = v.sigaltstack(a0, a1)
	case sysTgkill:
		ret = v.tkill(a1, a0 == guestPID)
	case sysTkill:
		ret = v.tkill(a0, true)

	default:
		return v.refuse(nr)
	}
	if m.isStopped() {
		if m.isFrozen() {
			if restartable(nr, a1, ret) {
				v.capture(entry, true)
			} else {
				v.resume(r.RCX, r.RSP, r.R11)
				r.RAX = ret
				v.capture(*r, false)
			}
		}
		return 0, true
	}
	v.resume(r.RCX, r.RSP, r.R11)
	r.RAX = ret
	return 0, false
}

// refuse answers ENOSYS and counts the syscall as refused.
func (v *vcpu) refuse(nr Syscall) (int, bool) {
	if nr < maxCountedSyscalls {
		v.syscalls[nr]--
	}
	v.refused[nr]++
	r := &v.run.Regs
	v.resume(r.RCX, r.RSP, r.R11)
	r.RAX = errno(unix.ENOSYS)
	return 0, false
}

// clone starts a thread as a new vCPU: the parent's registers, RAX 0, the
// given stack and (with CLONE_SETTLS) the given FS base. Processes are
// refused.
func (v *vcpu) clone(flags, stack, ptid, tls uint64) uint64 {
	if flags&(cloneVM|cloneThread) != cloneVM|cloneThread {
		return errno(unix.ENOSYS)
	}
	r := &v.run.Regs
	child := *r
	child.RAX, child.RSP, child.RIP, child.RFLAGS = 0, stack, r.RCX, userRflags(r.R11)
	fs := v.run.Sregs.FS.Base
	if flags&cloneSettls != 0 {
		if tls >= userMax {
			return errno(unix.EPERM)
		}
		fs = tls
	}
	// A snapshot must see every thread it was told exists, so a freezing
	// run waits for the new vCPU.
	tid, err := v.m.startVCPU(threadState{regs: child, fsBase: fs}, v.m.freezing)
	if err != nil {
		return errno(unix.EAGAIN)
	}
	if flags&cloneParentTD != 0 {
		var b [4]byte
		putLE32(b[:], uint32(tid))
		_ = v.m.mem.write(ptid, b[:])
	}
	return uint64(tid)
}

// archPrctl sets or reads the FS base (the Go runtime's TLS).
func (v *vcpu) archPrctl(code, addr uint64) uint64 {
	switch code {
	case archSetFS:
		if addr >= userMax {
			return errno(unix.EPERM)
		}
		v.run.Sregs.FS.Base = addr
		v.sregsDirty = true
		return 0
	case archGetFS:
		if err := v.m.mem.write(addr, le64(v.run.Sregs.FS.Base)); err != nil {
			return errno(unix.EFAULT)
		}
		return 0
	}
	return errno(unix.EINVAL)
}

// schedGetaffinity reports min(Limits.VCPUs, host CPUs) CPUs.
func (v *vcpu) schedGetaffinity(size, mask uint64) uint64 {
	if size < 8 {
		return errno(unix.EINVAL)
	}
	n := min(v.m.lim.VCPUs, runtime.NumCPU())
	if err := v.m.mem.write(mask, le64(1<<n-1)); err != nil {
		return errno(unix.EFAULT)
	}
	return 8
}

// prlimit reports fixed limits and accepts (ignores) new ones.
func (v *vcpu) prlimit(pid, resource, newLimit, old uint64) uint64 {
	if pid != 0 && pid != guestPID {
		return errno(unix.ESRCH)
	}
	if old != 0 {
		lim := ^uint64(0) // RLIM_INFINITY
		if resource == rlimitNofile {
			lim = 1024
		}
		if err := v.m.mem.write(old, append(le64(lim), le64(lim)...)); err != nil {
			return errno(unix.EFAULT)
		}
	}
	return 0
}

// getrandom fills a guest buffer from the host's CSPRNG.
func (v *vcpu) getrandom(buf, n uint64) uint64 {
	n = min(n, maxRandom)
	err := v.m.mem.span(buf, n, func(b []byte) error {
		_, err := rand.Read(b)
		return err
	})
	if err != nil {
		return errno(unix.EFAULT)
	}
	return n
}
