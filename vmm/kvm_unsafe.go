package vmm

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The mirrors must have exactly the kernel's sizes.
var (
	_ [144]byte    = [unsafe.Sizeof(kvmRegs{})]byte{}
	_ [24]byte     = [unsafe.Sizeof(kvmSegment{})]byte{}
	_ [312]byte    = [unsafe.Sizeof(kvmSregs{})]byte{}
	_ [304]byte    = [unsafe.Offsetof(kvmRun{}.Regs)]byte{}
	_ [32]byte     = [unsafe.Sizeof(kvmUserspaceMemoryRegion{})]byte{}
	_ [40]byte     = [unsafe.Sizeof(kvmCPUIDEntry2{})]byte{}
	_ [392]byte    = [unsafe.Sizeof(kvmXCRs{})]byte{}
	_ [16]byte     = [unsafe.Sizeof(kvmIOExit{})]byte{}
	_ [8 + 64]byte = [unsafe.Sizeof(kvmMSRs{})]byte{}
)

// ioctl issues an ioctl whose argument is a plain integer.
func ioctl(fd int, req, arg uintptr) (uintptr, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, arg)
	if e != 0 {
		return r, e
	}
	return r, nil
}

// ioctlRun enters the guest. It is a raw syscall: the Go scheduler must not
// hand this thread's P away while the guest runs, or every exit would wait
// for a P on a busy host. A long-running guest is still preempted: the
// runtime's preemption signal makes KVM_RUN return EINTR.
func ioctlRun(fd int) error {
	_, _, e := unix.RawSyscall(unix.SYS_IOCTL, uintptr(fd), kvmRunIoctl, 0)
	if e != 0 {
		return e
	}
	return nil
}

// ioctlPtr issues an ioctl whose argument points at a kernel-ABI struct.
func ioctlPtr[T any](fd int, req uintptr, p *T) (uintptr, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(p)))
	if e != 0 {
		return r, e
	}
	return r, nil
}

// runArea views a vCPU's mmapped kvm_run page as the kvmRun mirror.
func runArea(b []byte) *kvmRun { return (*kvmRun)(unsafe.Pointer(&b[0])) }

// ioExit views the exit union of r as an I/O exit.
func (r *kvmRun) io() *kvmIOExit { return (*kvmIOExit)(unsafe.Pointer(&r.Exit[0])) }

// setImmediateExit asks KVM_RUN to return at once (now or on next entry).
func (r *kvmRun) setImmediateExit() {
	// The byte shares an aligned word with fields KVM only reads before
	// entry, so an atomic store of the whole word is safe and ordered.
	atomic.OrUint32((*uint32)(unsafe.Pointer(r)), 1<<8)
}

// hostAddr is the host virtual address of b's first byte.
func hostAddr(b []byte) uint64 { return uint64(uintptr(unsafe.Pointer(&b[0]))) }

// loadPTE and storePTE access a page-table entry that a vCPU may walk
// concurrently.
func loadPTE(b []byte) uint64     { return atomic.LoadUint64((*uint64)(unsafe.Pointer(&b[0]))) }
func storePTE(b []byte, v uint64) { atomic.StoreUint64((*uint64)(unsafe.Pointer(&b[0])), v) }

// loadFutex reads a guest futex word; b must be 4-byte aligned.
func loadFutex(b []byte) uint32 { return atomic.LoadUint32((*uint32)(unsafe.Pointer(&b[0]))) }
