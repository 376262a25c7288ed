package vmm

// The KVM ioctl numbers this package uses (include/uapi/linux/kvm.h), spelt
// out as _IO/_IOR/_IOW/_IOWR(KVMIO=0xAE, nr, size) would compute them.
const (
	kvmGetAPIVersion       = 0xAE00
	kvmCreateVM            = 0xAE01
	kvmCheckExtension      = 0xAE03
	kvmGetVCPUMmapSize     = 0xAE04
	kvmGetSupportedCPUID   = 0xC008AE05 // _IOWR(0x05, struct kvm_cpuid2)
	kvmCreateVCPU          = 0xAE41
	kvmSetUserMemoryRegion = 0x4020AE46 // _IOW(0x46, struct kvm_userspace_memory_region)
	kvmSetTSSAddr          = 0xAE47
	kvmRunIoctl            = 0xAE80
	kvmSetRegs             = 0x4090AE82 // _IOW(0x82, struct kvm_regs)
	kvmGetSregs            = 0x8138AE83 // _IOR(0x83, struct kvm_sregs)
	kvmSetSregs            = 0x4138AE84 // _IOW(0x84, struct kvm_sregs)
	kvmSetMSRs             = 0x4008AE89 // _IOW(0x89, struct kvm_msrs)
	kvmSetCPUID2           = 0x4008AE90 // _IOW(0x90, struct kvm_cpuid2)
	kvmSetXCRs             = 0x4188AEA7 // _IOW(0xa7, struct kvm_xcrs)

	kvmAPIVersion  = 12
	kvmCapSyncRegs = 74

	// kvm_run.kvm_valid_regs / kvm_dirty_regs bits (KVM_SYNC_X86_*).
	kvmSyncRegs  = 1 << 0
	kvmSyncSregs = 1 << 1
)

// kvm_run.exit_reason values (KVM_EXIT_*) the run loop handles; any other
// ends the run.
const (
	kvmExitIO       = 2
	kvmExitShutdown = 8
	kvmExitIntr     = 10
)

// kvmRegs mirrors struct kvm_regs (arch/x86/include/uapi/asm/kvm.h).
type kvmRegs struct {
	RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP uint64
	R8, R9, R10, R11, R12, R13, R14, R15   uint64
	RIP, RFLAGS                            uint64
}

// kvmSegment mirrors struct kvm_segment.
type kvmSegment struct {
	Base     uint64
	Limit    uint32
	Selector uint16
	Type     uint8
	Present  uint8
	DPL      uint8
	DB       uint8
	S        uint8
	L        uint8
	G        uint8
	AVL      uint8
	Unusable uint8
	_        uint8 // padding
}

// kvmDtable mirrors struct kvm_dtable.
type kvmDtable struct {
	Base  uint64
	Limit uint16
	_     [3]uint16 // padding
}

// kvmSregs mirrors struct kvm_sregs.
type kvmSregs struct {
	CS, DS, ES, FS, GS, SS kvmSegment
	TR, LDT                kvmSegment
	GDT, IDT               kvmDtable
	CR0, CR2, CR3, CR4     uint64
	CR8                    uint64
	EFER                   uint64
	APICBase               uint64
	InterruptBitmap        [4]uint64 // (KVM_NR_INTERRUPTS + 63) / 64
}

// kvmRun mirrors struct kvm_run (include/uapi/linux/kvm.h) up to the x86
// sync-regs area's regs and sregs; the rest of the mapping is not used.
type kvmRun struct {
	RequestInterruptWindow     uint8
	ImmediateExit              uint8
	_                          [6]uint8 // padding1
	ExitReason                 uint32
	ReadyForInterruptInjection uint8
	IfFlag                     uint8
	Flags                      uint16
	CR8                        uint64
	APICBase                   uint64
	Exit                       [256]byte // the exit-reason union
	ValidRegs                  uint64    // kvm_valid_regs
	DirtyRegs                  uint64    // kvm_dirty_regs
	Regs                       kvmRegs   // s.regs.regs (struct kvm_sync_regs)
	Sregs                      kvmSregs  // s.regs.sregs
}

// kvmUserspaceMemoryRegion mirrors struct kvm_userspace_memory_region.
type kvmUserspaceMemoryRegion struct {
	Slot          uint32
	Flags         uint32
	GuestPhysAddr uint64
	MemorySize    uint64
	UserspaceAddr uint64
}

// kvmCPUIDEntry2 mirrors struct kvm_cpuid_entry2.
type kvmCPUIDEntry2 struct {
	Function uint32
	Index    uint32
	Flags    uint32
	EAX      uint32
	EBX      uint32
	ECX      uint32
	EDX      uint32
	_        [3]uint32 // padding
}

// maxCPUIDEntries bounds the CPUID table asked of KVM.
const maxCPUIDEntries = 256

// kvmCPUID2 mirrors struct kvm_cpuid2 with room for maxCPUIDEntries.
type kvmCPUID2 struct {
	Nent    uint32
	_       uint32 // padding
	Entries [maxCPUIDEntries]kvmCPUIDEntry2
}

// kvmMSREntry mirrors struct kvm_msr_entry.
type kvmMSREntry struct {
	Index uint32
	_     uint32 // reserved
	Data  uint64
}

// kvmMSRs mirrors struct kvm_msrs with room for the MSRs set here.
type kvmMSRs struct {
	NMSRs   uint32
	_       uint32 // pad
	Entries [4]kvmMSREntry
}

// kvmXCR mirrors struct kvm_xcr.
type kvmXCR struct {
	XCR   uint32
	_     uint32 // reserved
	Value uint64
}

// kvmXCRs mirrors struct kvm_xcrs.
type kvmXCRs struct {
	NrXCRs uint32
	Flags  uint32
	XCRs   [16]kvmXCR // KVM_MAX_XCRS
	_      [16]uint64 // padding
}

// kvmIOExit mirrors the io member of kvm_run's exit union.
type kvmIOExit struct {
	Direction  uint8
	Size       uint8
	Port       uint16
	Count      uint32
	DataOffset uint64
}

// Model-specific registers (Intel SDM vol. 4).
const (
	msrSTAR   = 0xC0000081
	msrLSTAR  = 0xC0000082
	msrCSTAR  = 0xC0000083
	msrSFMASK = 0xC0000084
)

// Control-register, EFER and RFLAGS bits.
const (
	cr0PE = 1 << 0
	cr0MP = 1 << 1
	cr0ET = 1 << 4
	cr0NE = 1 << 5
	cr0WP = 1 << 16
	cr0AM = 1 << 18
	cr0PG = 1 << 31

	cr4PAE        = 1 << 5
	cr4OSFXSR     = 1 << 9
	cr4OSXMMEXCPT = 1 << 10
	cr4OSXSAVE    = 1 << 18

	eferSCE = 1 << 0
	eferLME = 1 << 8
	eferLMA = 1 << 10
	eferNXE = 1 << 11

	rflagsReserved = 1 << 1
	rflagsIF       = 1 << 9
	// sfmask clears TF, IF, DF, IOPL, NT and AC on syscall.
	sfmask = 0x47700
)
