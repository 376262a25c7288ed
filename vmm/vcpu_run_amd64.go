package vmm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// userRflags keeps the flags user code may hold, as sysret does, with
// IOPL 0 so user code cannot reach the I/O ports.
func userRflags(f uint64) uint64 { return f&0x3C4FD7 | rflagsReserved }

// loop runs the vCPU until the run stops or the thread exits. It returns the
// thread's exit status and whether the thread exited by itself.
func (v *vcpu) loop() (status int, exited bool) {
	m, run := v.m, v.run
	for {
		if m.isStopped() {
			if m.isFrozen() {
				v.capture(run.Regs, false)
			}
			return 0, false
		}
		if err := ioctlRun(v.fd); err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				v.exits[ExitInterrupted]++
				continue
			}
			m.stop(fmt.Errorf("vmm: KVM_RUN: %w", err), 0)
			return 0, false
		}
		switch run.ExitReason {
		case kvmExitIO:
			io, rip := run.io(), run.Regs.RIP
			switch {
			case io.Port == portSyscall && rip >= kernelVirt+syscallOff && rip < kernelVirt+syscallOff+4:
				v.exits[ExitSyscall]++
				if status, exit := v.syscall(); exit {
					return status, true
				}
			case io.Port == portException && rip >= kernelVirt+stubsOff && rip < kernelVirt+syscallOff:
				v.exception(Vector((rip - kernelVirt - stubsOff) / 4))
			default:
				// Only the stubs may use the ports; anything else is a
				// user-mode "out", which a kernel would refuse with #GP.
				v.exits[ExitException]++
				m.stop(&GuestFault{Vector: VectorGeneralProtection, RIP: rip, RSP: run.Regs.RSP}, 0)
			}
		case kvmExitShutdown:
			v.exits[ExitException]++
			m.stop(&GuestFault{Vector: VectorTripleFault, RIP: run.Regs.RIP, RSP: run.Regs.RSP}, 0)
		case kvmExitIntr:
			v.exits[ExitInterrupted]++
		default:
			v.exits[ExitOther]++
			m.stop(fmt.Errorf("%w: unexpected VM exit %d at rip %#x", ErrGuestFault, run.ExitReason, run.Regs.RIP), 0)
		}
	}
}

// resume sets the registers for re-entering user mode at rip. The segment
// registers are written back only when they changed: PVM reports an exit
// from a stub with the user selectors still loaded, VMX and SVM with the
// kernel's.
func (v *vcpu) resume(rip, rsp, rflags uint64) {
	r := v.run
	r.Regs.RIP, r.Regs.RSP, r.Regs.RFLAGS = rip, rsp, userRflags(rflags)
	r.DirtyRegs = kvmSyncRegs
	if v.sregsDirty || !inUserMode(&r.Sregs) {
		setUserMode(&r.Sregs)
		r.DirtyRegs |= kvmSyncSregs
		v.sregsDirty = false
	}
}

// exception handles a trap through the exception stub of vector: a page
// fault on memory the guest mapped is resolved by backing it; anything else
// ends the run with a *GuestFault.
func (v *vcpu) exception(vector Vector) {
	m, r := v.m, v.run
	// The CPU pushed [error code,] RIP, CS, RFLAGS, RSP, SS on the IST.
	top, sp := istTop(v.slot), r.Regs.RSP
	n := uint64(40)
	if vector.hasErrorCode() {
		n = 48
	}
	if sp != top-n {
		v.exits[ExitException]++
		m.stop(&GuestFault{Vector: VectorDoubleFault, RIP: r.Regs.RIP, RSP: sp}, 0)
		return
	}
	frame := m.mem.sys[sp-kernelVirt:][:n]
	var code uint64
	if n == 48 {
		code, frame = binary.LittleEndian.Uint64(frame), frame[8:]
	}
	le := binary.LittleEndian
	rip, cs, rflags, rsp := le.Uint64(frame), le.Uint64(frame[8:]), le.Uint64(frame[16:]), le.Uint64(frame[24:])
	cr2 := r.Sregs.CR2
	if vector == VectorPageFault && cs&3 == 3 && code&1 == 0 {
		ok, err := m.mem.fault(cr2)
		if err != nil {
			m.stop(err, 0)
			return
		}
		if ok {
			v.exits[ExitPageFault]++
			v.resume(rip, rsp, rflags)
			return
		}
	}
	v.exits[ExitException]++
	f := &GuestFault{Vector: vector, RIP: rip, RSP: rsp, ErrorCode: code}
	if vector == VectorPageFault {
		f.CR2 = cr2
	}
	m.stop(f, 0)
}
