package vmm

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// kvmPath is the KVM device (a variable so tests can point it elsewhere).
var kvmPath = "/dev/kvm"

// hostKVM is what every VM on this host shares, queried once.
type hostKVM struct {
	runSize int       // size of a vCPU's kvm_run mapping
	cpuid   kvmCPUID2 // KVM_GET_SUPPORTED_CPUID
	xcr0    uint64    // the XCR0 every vCPU gets
	hwcap   uint64    // CPUID.1:EDX, for AT_HWCAP
}

var (
	hostOnce sync.Once
	hostInfo *hostKVM
	hostErr  error
)

// openKVM opens /dev/kvm, explaining how to fix it when that fails.
func openKVM() (int, error) {
	fd, err := unix.Open(kvmPath, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err == nil {
		return fd, nil
	}
	remedy := "load the kvm_intel or kvm_amd module, or run on a host or VM with (nested) virtualisation enabled"
	switch {
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		remedy = "add this user to the group owning " + kvmPath + " (usually kvm: sudo usermod -aG kvm $USER, then log in again) or make it accessible"
	case errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE):
		remedy = "the process is out of file descriptors"
	}
	return -1, fmt.Errorf("%w: open %s: %w (%s)", ErrKVMUnavailable, kvmPath, err, remedy)
}

// probeHost checks the KVM API and reads what all VMs share.
func probeHost(kvm int) (*hostKVM, error) {
	hostOnce.Do(func() {
		h := &hostKVM{}
		if v, err := ioctl(kvm, kvmGetAPIVersion, 0); err != nil || v != kvmAPIVersion {
			hostErr = fmt.Errorf("%w: KVM API version %d (%v), want %d", ErrKVMUnavailable, v, err, kvmAPIVersion)
			return
		}
		if ok, _ := ioctl(kvm, kvmCheckExtension, kvmCapSyncRegs); ok == 0 {
			hostErr = fmt.Errorf("%w: this kernel's KVM lacks KVM_CAP_SYNC_REGS (Linux 4.17 or later has it)", ErrKVMUnavailable)
			return
		}
		n, err := ioctl(kvm, kvmGetVCPUMmapSize, 0)
		if err != nil || n < 4096 {
			hostErr = fmt.Errorf("%w: KVM_GET_VCPU_MMAP_SIZE: %d, %v", ErrKVMUnavailable, n, err)
			return
		}
		h.runSize = int(n)
		h.cpuid.Nent = maxCPUIDEntries
		if _, err := ioctlPtr(kvm, kvmGetSupportedCPUID, &h.cpuid); err != nil {
			hostErr = fmt.Errorf("%w: KVM_GET_SUPPORTED_CPUID: %w", ErrKVMUnavailable, err)
			return
		}
		h.xcr0 = 1 // x87 at least
		for _, e := range h.cpuid.Entries[:h.cpuid.Nent] {
			switch {
			case e.Function == 1:
				h.hwcap = uint64(e.EDX)
			case e.Function == 0xD && e.Index == 0:
				h.xcr0 = (uint64(e.EDX)<<32 | uint64(e.EAX)) & 0xE7
			}
		}
		if h.xcr0&0xE0 != 0xE0 {
			h.xcr0 &^= 0xE0 // AVX-512 state is all or nothing
		}
		if h.xcr0&2 == 0 {
			h.xcr0 &^= 4 // AVX state needs SSE state
		}
		h.xcr0 |= 1
		hostInfo = h
	})
	return hostInfo, hostErr
}

// vcpuCPUID returns the host's supported CPUID with vCPU id's APIC ID.
func (h *hostKVM) vcpuCPUID(id int) *kvmCPUID2 {
	c := &kvmCPUID2{Nent: h.cpuid.Nent}
	copy(c.Entries[:c.Nent], h.cpuid.Entries[:c.Nent])
	for i := range c.Entries[:c.Nent] {
		e := &c.Entries[i]
		switch e.Function {
		case 1:
			e.EBX = e.EBX&0x00FFFFFF | uint32(id)<<24
		case 0xB, 0x1F:
			e.EDX = uint32(id)
		}
	}
	return c
}

// retryEINTR repeats an ioctl that a host signal interrupted.
func retryEINTR(f func() (uintptr, error)) (uintptr, error) {
	for {
		r, err := f()
		if !errors.Is(err, unix.EINTR) {
			return r, err
		}
	}
}
