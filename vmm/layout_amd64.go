package vmm

// Guest-physical layout: three memory slots.
const (
	pageSize = 4 << 10
	hugeSize = 2 << 20

	// The system area holds what the CPU itself reads: the exception and
	// syscall stubs, GDT, IDT, one TSS and one exception stack per vCPU,
	// and the page tables.
	sysPhys = 0
	sysSize = 4 << 20
	// The executable's image: its segments as the guest sees them.
	imagePhys = 1 << 30
	maxELF    = 1 << 30
	// Anonymous guest memory (heap, stacks), backed on demand.
	heapPhys = 4 << 30
	// tssAddr is the three pages KVM_SET_TSS_ADDR wants outside all slots.
	tssAddr = 0xfffbd000
)

// Offsets inside the system area.
const (
	stubsOff   = 0x0000 // 32 exception stubs of 4 bytes, then the syscall stub
	gdtOff     = 0x1000
	idtOff     = 0x2000
	tssOff     = 0x3000 // vCPU i's TSS at tssOff + i*tssStride
	tssStride  = 0x3000
	istOff     = 0x100000 // vCPU i's exception stack ends at istOff + (i+1)*pageSize
	ptPoolOff  = 0x200000 // page-table pages, bump allocated; the first is the PML4
	ptPoolEnd  = sysSize
	syscallOff = stubsOff + 32*4
)

// Guest-virtual layout.
const (
	// kernelVirt is where the system area is mapped, supervisor-only,
	// above everything the guest may map.
	kernelVirt uint64 = 0x7fff_c000_0000
	// userMin and userMax bound everything the guest may map.
	userMin = 0x10000
	userMax = 0x7fff_8000_0000
	// The main thread's stack.
	stackTop  = userMax
	stackSize = 8 << 20
	// mmapBase is where mmaps without a usable hint are placed, upwards.
	mmapBase = 0x7f00_0000_0000
	mmapEnd  = stackTop - stackSize - hugeSize
)

// Segment selectors in the GDT. userData sits right below userCode, the
// layout sysret expects (STAR[63:48]+8 and +16).
const (
	selKernelCode = 0x08
	selKernelData = 0x10
	selUserData   = 0x18 | 3
	selUserCode   = 0x20 | 3
	selTSS0       = 0x28 // vCPU i's TSS descriptor at selTSS0 + 16*i
)

// The two I/O ports the stubs trap with.
const (
	portSyscall   = 0xE0
	portException = 0xE1
)

// Page-table entry bits (Intel SDM vol. 3, 4.5).
const (
	ptePresent = 1 << 0
	pteWrite   = 1 << 1
	pteUser    = 1 << 2
	pteHuge    = 1 << 7
	pteNX      = 1 << 63
	pteAddr    = 0x000f_ffff_ffff_f000
)
