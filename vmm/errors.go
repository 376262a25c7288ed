package vmm

import (
	"errors"
	"fmt"
)

// Sentinel errors. Run wraps them with detail; test with errors.Is.
var (
	// ErrKVMUnavailable: /dev/kvm is missing, not accessible, or lacks a
	// capability this package needs. The message names the remedy.
	ErrKVMUnavailable = errors.New("vmm: KVM is unavailable")
	// ErrNotStaticELF: the executable is not a static, non-PIE linux/amd64
	// ELF (build it with CGO_ENABLED=0 GOOS=linux GOARCH=amd64).
	ErrNotStaticELF = errors.New("vmm: not a static linux/amd64 ELF executable")
	// ErrGuestFault: the guest raised a CPU exception; the error is a
	// *GuestFault.
	ErrGuestFault = errors.New("vmm: guest fault")
	// ErrTimeLimit: the guest ran longer than Limits.WallTime.
	ErrTimeLimit = errors.New("vmm: guest exceeded its wall-time limit")
	// ErrMemoryLimit: the guest needed more memory than Limits.Memory.
	ErrMemoryLimit = errors.New("vmm: guest exceeded its memory limit")
	// ErrOutputLimit: the guest wrote more than Limits.Written, Stdout or
	// Stderr allow, or grew a write-only descriptor past its MaxSize.
	ErrOutputLimit = errors.New("vmm: guest exceeded an output limit")
	// ErrInvalidConfig: the Config itself is unusable (both or neither of
	// Path and Executable, a bad Mode, limits out of range, …).
	ErrInvalidConfig = errors.New("vmm: invalid configuration")
)

// GuestFault is a CPU exception raised by the guest that ended the run:
// for example a nil dereference is a page fault (vector 14) with CR2 below
// 4096, an illegal instruction is vector 6.
type GuestFault struct {
	// Vector is the exception vector (0–31), or VectorTripleFault.
	Vector Vector
	// RIP is the guest instruction that faulted.
	RIP uint64
	// RSP is the guest stack pointer at the fault.
	RSP uint64
	// CR2 is the faulting address of a page fault (zero otherwise).
	CR2 uint64
	// ErrorCode is the exception's error code, for vectors that push one.
	ErrorCode uint64
}

// Error describes the fault, e.g.
// "vmm: guest fault: #PF page fault at rip 0x47a1b3, address 0x0, error code 0x6".
func (f *GuestFault) Error() string {
	s := fmt.Sprintf("%v: %v at rip %#x", ErrGuestFault, f.Vector, f.RIP)
	if f.Vector == VectorPageFault {
		s += fmt.Sprintf(", address %#x", f.CR2)
	}
	if f.Vector.hasErrorCode() {
		s += fmt.Sprintf(", error code %#x", f.ErrorCode)
	}
	return s
}

// Is reports whether target is ErrGuestFault.
func (f *GuestFault) Is(target error) bool { return target == ErrGuestFault }

// Vector is an x86 exception vector.
type Vector uint8

// Exception vectors a guest can raise (Intel SDM vol. 3, table 6-1), and
// VectorTripleFault for a fault the CPU could not deliver at all.
const (
	VectorDivide            Vector = 0
	VectorDebug             Vector = 1
	VectorNMI               Vector = 2
	VectorBreakpoint        Vector = 3
	VectorOverflow          Vector = 4
	VectorBound             Vector = 5
	VectorInvalidOpcode     Vector = 6
	VectorNoFPU             Vector = 7
	VectorDoubleFault       Vector = 8
	VectorInvalidTSS        Vector = 10
	VectorSegmentNotPresent Vector = 11
	VectorStackFault        Vector = 12
	VectorGeneralProtection Vector = 13
	VectorPageFault         Vector = 14
	VectorFPU               Vector = 16
	VectorAlignment         Vector = 17
	VectorMachineCheck      Vector = 18
	VectorSIMD              Vector = 19
	VectorVirtualization    Vector = 20
	VectorControlProtection Vector = 21
	VectorTripleFault       Vector = 255
)

var vectorNames = map[Vector]string{
	VectorDivide:            "#DE divide error",
	VectorDebug:             "#DB debug",
	VectorNMI:               "NMI",
	VectorBreakpoint:        "#BP breakpoint",
	VectorOverflow:          "#OF overflow",
	VectorBound:             "#BR bound range",
	VectorInvalidOpcode:     "#UD invalid opcode",
	VectorNoFPU:             "#NM device not available",
	VectorDoubleFault:       "#DF double fault",
	VectorInvalidTSS:        "#TS invalid TSS",
	VectorSegmentNotPresent: "#NP segment not present",
	VectorStackFault:        "#SS stack fault",
	VectorGeneralProtection: "#GP general protection",
	VectorPageFault:         "#PF page fault",
	VectorFPU:               "#MF x87 error",
	VectorAlignment:         "#AC alignment check",
	VectorMachineCheck:      "#MC machine check",
	VectorSIMD:              "#XM SIMD exception",
	VectorVirtualization:    "#VE virtualization exception",
	VectorControlProtection: "#CP control protection",
	VectorTripleFault:       "triple fault",
}

// String names the vector, e.g. "#PF page fault".
func (v Vector) String() string {
	if s, ok := vectorNames[v]; ok {
		return s
	}
	return fmt.Sprintf("vector %d", uint8(v))
}

// hasErrorCode reports whether the CPU pushes an error code for v.
func (v Vector) hasErrorCode() bool {
	switch v {
	case VectorDoubleFault, VectorInvalidTSS, VectorSegmentNotPresent, VectorStackFault,
		VectorGeneralProtection, VectorPageFault, VectorAlignment, VectorControlProtection, 29, 30:
		return true
	}
	return false
}
