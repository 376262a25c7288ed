package vmm

import (
	"errors"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadState is how a vCPU starts: a new thread's registers, or a thread
// as a snapshot captured it.
type threadState struct {
	regs   kvmRegs
	fsBase uint64 // the rest of the segment registers are always fresh
	// restart: regs are at a syscall exit whose syscall is handled again
	// before the guest runs (it was waiting when the snapshot was taken).
	restart        bool
	id, slot, tid  int
	sigmask        uint64
	altstack       [24]byte
	restoredThread bool // id, slot, tid, sigmask and altstack are set
}

// startVCPU creates a vCPU in state st on its own locked OS thread and
// returns its guest thread ID. With wait false it returns before the vCPU
// is set up (a failure then stops the run), which spares a cloning thread
// the millisecond that takes.
func (m *machine) startVCPU(st threadState, wait bool) (int, error) {
	m.mu.Lock()
	if m.stopped || !st.restoredThread && (bits.OnesCount64(m.slots) >= m.lim.VCPUs || m.created >= maxCreatedVCPUs) {
		m.mu.Unlock()
		return 0, unix.EAGAIN
	}
	if !st.restoredThread {
		st.slot = 0
		for m.slots&(1<<st.slot) != 0 {
			st.slot++
		}
		st.id, st.tid = m.created, guestPID+m.created
		m.created++
	}
	v := &vcpu{m: m, id: st.id, slot: st.slot, tid: st.tid, fd: -1, sigmask: st.sigmask, altstack: st.altstack}
	m.slots |= 1 << st.slot
	m.stats.VCPUs++
	m.wg.Add(1)
	m.mu.Unlock()

	ready := make(chan error, 1)
	go v.main(st, ready)
	if !wait {
		go func() {
			if err := <-ready; err != nil {
				m.stop(err, 0)
			}
		}()
		return v.tid, nil
	}
	if err := <-ready; err != nil {
		return 0, err
	}
	return v.tid, nil
}

// vcpuExited unregisters v; the last thread's exit ends the run.
func (m *machine) vcpuExited(v *vcpu, status int, exited bool) {
	m.mu.Lock()
	for i, o := range m.vcpus {
		if o == v {
			m.vcpus = append(m.vcpus[:i], m.vcpus[i+1:]...)
			break
		}
	}
	m.slots &^= 1 << v.slot
	for k, n := range v.exits {
		if n != 0 {
			m.stats.Exits[ExitKind(k)] += n
		}
	}
	for nr, n := range v.syscalls {
		if n != 0 {
			m.stats.Syscalls[Syscall(nr)] += n
		}
	}
	for nr, n := range v.refused {
		m.stats.Refused[nr] += n
		m.stats.Syscalls[nr] += n
	}
	last := len(m.vcpus) == 0
	m.mu.Unlock()
	if exited && last {
		m.stop(nil, status)
	}
}

// vcpu is one guest thread.
type vcpu struct {
	m       *machine
	id      int // KVM vCPU ID and APIC ID
	slot    int // TSS and exception-stack slot
	tid     int // guest thread ID
	fd      int
	runMem  []byte
	run     *kvmRun
	hostTid int

	sregsDirty bool // the syscall changed a segment register (FS base)

	sigmask  uint64
	altstack [24]byte // stack_t

	exits    [numExitKinds]int64
	syscalls [maxCountedSyscalls]int64
	refused  map[Syscall]int64
}

// main is the vCPU's thread: set up, report on ready, run, clean up. The
// goroutine stays locked to its thread, so the thread dies with it.
func (v *vcpu) main(st threadState, ready chan<- error) {
	m := v.m
	defer m.wg.Done()
	runtime.LockOSThread()
	status, exited := 0, false
	if st.restart && waits(&st.regs) {
		// A restored thread that was waiting gets its vCPU only when the
		// wait ends: in a short run most never wake, and making a vCPU
		// costs a few hundred microseconds.
		ready <- nil
		if status, exited = v.waitFirst(&st); exited || m.isStopped() {
			m.vcpuExited(v, status, exited)
			return
		}
		if err := v.setup(&st); err != nil {
			v.release()
			m.vcpuExited(v, 0, false)
			if !errors.Is(err, unix.EAGAIN) { // EAGAIN: the run is ending
				m.stop(err, 0)
			}
			return
		}
	} else {
		if err := v.setup(&st); err != nil {
			v.release()
			m.vcpuExited(v, 0, false)
			ready <- err
			return
		}
		ready <- nil
		if st.restart {
			status, exited = v.syscall()
		}
	}
	if !exited {
		status, exited = v.loop()
	}
	m.vcpuExited(v, status, exited)
	v.release()
}

// waits reports whether the syscall at a restored thread's registers is a
// wait (futex, sleep, epoll) that main may redo before the vCPU exists.
func waits(r *kvmRegs) bool {
	switch nr := Syscall(r.RAX); nr {
	case sysFutex, sysNanosleep, sysClockNanosleep, sysEpollWait, sysEpollPwait:
		return restartable(nr, r.RSI, 0)
	}
	return false
}

// waitFirst redoes a restored thread's wait with stand-in registers (the
// wait needs no vCPU) and leaves in st where the thread goes on from.
func (v *vcpu) waitFirst(st *threadState) (status int, exited bool) {
	v.run, v.refused = &kvmRun{}, map[Syscall]int64{}
	v.run.Regs, v.run.Sregs.FS.Base = st.regs, st.fsBase
	status, exited = v.syscall()
	st.regs, st.fsBase, st.restart = v.run.Regs, v.run.Sregs.FS.Base, false
	v.run = nil
	return status, exited
}

// setup creates the KVM vCPU and gives it its registers.
func (v *vcpu) setup(st *threadState) error {
	m := v.m
	fd, err := ioctl(m.vm, kvmCreateVCPU, uintptr(v.id))
	if err != nil {
		return fmt.Errorf("vmm: KVM_CREATE_VCPU: %w", err)
	}
	v.fd = int(fd)
	unix.CloseOnExec(v.fd)
	if v.runMem, err = unix.Mmap(v.fd, 0, m.host.runSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return fmt.Errorf("vmm: mapping kvm_run: %w", err)
	}
	v.run = runArea(v.runMem)
	if _, err := ioctlPtr(v.fd, kvmSetCPUID2, m.host.vcpuCPUID(v.id)); err != nil {
		return fmt.Errorf("vmm: KVM_SET_CPUID2: %w", err)
	}
	var s kvmSregs
	if _, err := ioctlPtr(v.fd, kvmGetSregs, &s); err != nil {
		return fmt.Errorf("vmm: KVM_GET_SREGS: %w", err)
	}
	userSregs(&s, v.slot, st.fsBase)
	if _, err := ioctlPtr(v.fd, kvmSetSregs, &s); err != nil {
		return fmt.Errorf("vmm: KVM_SET_SREGS: %w", err)
	}
	xcrs := kvmXCRs{NrXCRs: 1}
	xcrs.XCRs[0] = kvmXCR{XCR: 0, Value: m.host.xcr0}
	if _, err := ioctlPtr(v.fd, kvmSetXCRs, &xcrs); err != nil {
		return fmt.Errorf("vmm: KVM_SET_XCRS: %w", err)
	}
	msrs := kvmMSRs{NMSRs: 4}
	msrs.Entries[0] = kvmMSREntry{Index: msrSTAR, Data: uint64(selKernelCode)<<32 | uint64(selUserData-8)<<48}
	msrs.Entries[1] = kvmMSREntry{Index: msrLSTAR, Data: kernelVirt + syscallOff}
	msrs.Entries[2] = kvmMSREntry{Index: msrCSTAR, Data: kernelVirt + syscallOff}
	msrs.Entries[3] = kvmMSREntry{Index: msrSFMASK, Data: sfmask}
	if n, err := ioctlPtr(v.fd, kvmSetMSRs, &msrs); err != nil || n != 4 {
		return fmt.Errorf("vmm: KVM_SET_MSRS set %d of 4: %v", n, err)
	}
	if _, err := ioctlPtr(v.fd, kvmSetRegs, &st.regs); err != nil {
		return fmt.Errorf("vmm: KVM_SET_REGS: %w", err)
	}
	// The sync area mirrors the registers from the first exit on; a
	// restarted syscall reads them before that.
	v.run.Regs, v.run.Sregs = st.regs, s
	v.run.ValidRegs = kvmSyncRegs | kvmSyncSregs
	v.refused = map[Syscall]int64{}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return unix.EAGAIN
	}
	v.hostTid = unix.Gettid()
	m.vcpus = append(m.vcpus, v)
	if m.runStart.IsZero() {
		m.runStart = time.Now()
	}
	return nil
}

// release closes the vCPU's descriptor and mapping.
func (v *vcpu) release() {
	if v.runMem != nil {
		_ = unix.Munmap(v.runMem)
		v.runMem, v.run = nil, nil
	}
	if v.fd >= 0 {
		unix.Close(v.fd)
		v.fd = -1
	}
}

// kick makes the vCPU leave KVM_RUN soon. Callers hold m.mu.
func (v *vcpu) kick() {
	v.run.setImmediateExit()
	for i := 0; i < 100; i++ {
		err := unix.Tgkill(os.Getpid(), v.hostTid, unix.SIGURG)
		if err != unix.EAGAIN {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
