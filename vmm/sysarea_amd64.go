package vmm

import "encoding/binary"

// The stubs are the only code that ever runs at CPL0, and each is a single
// instruction that traps to the host: "out %al, $port; ud2". The host tells
// exception vectors apart by the stub's address (4 bytes each).
var (
	exceptionStub = [4]byte{0xE6, portException, 0x0F, 0x0B}
	syscallStub   = [4]byte{0xE6, portSyscall, 0x0F, 0x0B}
)

// GDT descriptors (Intel SDM vol. 3, 3.4.5): flat 64-bit code and data for
// CPL0 and CPL3.
const (
	gdtKernelCode = 0x00AF9B000000FFFF
	gdtKernelData = 0x00CF93000000FFFF
	gdtUserData   = 0x00CFF3000000FFFF
	gdtUserCode   = 0x00AFFB000000FFFF
)

// 64-bit TSS layout (Intel SDM vol. 3, figure 8-11) and its I/O bitmap.
const (
	tssRSP0     = 4
	tssIST1     = 36
	tssIOMapOff = 102
	tssSize     = 104
	ioBitmapLen = 65536 / 8
	tssLimit    = tssSize + ioBitmapLen // the bitmap's terminating byte included
)

// buildSysArea writes the stubs, GDT, IDT and every vCPU's TSS into the
// system area and maps it at kernelVirt for CPL0 only.
func buildSysArea(mem *memory, vcpus int) error {
	sys := mem.sys
	le := binary.LittleEndian
	for v := 0; v < 32; v++ {
		copy(sys[stubsOff+4*v:], exceptionStub[:])
	}
	copy(sys[syscallOff:], syscallStub[:])

	gdt := sys[gdtOff:]
	le.PutUint64(gdt[selKernelCode:], gdtKernelCode)
	le.PutUint64(gdt[selKernelData:], gdtKernelData)
	le.PutUint64(gdt[selUserData&^3:], gdtUserData)
	le.PutUint64(gdt[selUserCode&^3:], gdtUserCode)
	for i := 0; i < vcpus; i++ {
		base := kernelVirt + uint64(tssOff+i*tssStride)
		d := gdt[selTSS0+16*i:]
		le.PutUint16(d[0:], tssLimit&0xFFFF)
		le.PutUint16(d[2:], uint16(base))
		d[4] = byte(base >> 16)
		d[5] = 0x89 // present, 64-bit available TSS
		d[6] = byte(tssLimit >> 16 & 0xF)
		d[7] = byte(base >> 24)
		le.PutUint32(d[8:], uint32(base>>32))

		tss := sys[tssOff+i*tssStride:][:tssLimit+1]
		ist := kernelVirt + uint64(istOff+(i+1)*pageSize)
		le.PutUint64(tss[tssRSP0:], ist)
		le.PutUint64(tss[tssIST1:], ist)
		le.PutUint16(tss[tssIOMapOff:], tssSize)
		bitmap := tss[tssSize:]
		for j := range bitmap {
			bitmap[j] = 0xFF
		}
		bitmap[portSyscall/8] &^= 1 << (portSyscall % 8)
		bitmap[portException/8] &^= 1 << (portException % 8)
	}

	// Interrupt gates (Intel SDM vol. 3, figure 6-8): DPL0, IST1.
	for v := 0; v < 32; v++ {
		off := kernelVirt + uint64(stubsOff+4*v)
		g := sys[idtOff+16*v:]
		le.PutUint16(g[0:], uint16(off))
		le.PutUint16(g[2:], selKernelCode)
		g[4] = 1    // IST1
		g[5] = 0x8E // present, DPL0, 64-bit interrupt gate
		le.PutUint16(g[6:], uint16(off>>16))
		le.PutUint32(g[8:], uint32(off>>32))
	}

	// The page tables (from ptPoolOff) are mapped nowhere: the guest
	// cannot reach them. The rest is user-accessible because PVM runs the
	// stubs with user-mode page permissions (a fetch from a supervisor page
	// faults there); nothing in it is secret, and the host checks whatever
	// it reads back (see memory.inSlot and vcpu.exception).
	mem.ptNext = ptPoolOff + pageSize // the PML4
	return mem.map2M(kernelVirt, sysPhys, pteWrite|pteUser)
}

// istTop is vCPU i's exception stack top, as a guest-virtual address.
func istTop(i int) uint64 { return kernelVirt + uint64(istOff+(i+1)*pageSize) }

// userSregs sets the segment and control registers for vCPU i running at
// CPL3 in long mode with the given FS base.
func userSregs(s *kvmSregs, i int, fsBase uint64) {
	code := kvmSegment{Limit: 0xFFFFFFFF, Selector: selUserCode, Type: 0xB, Present: 1, DPL: 3, S: 1, L: 1, G: 1}
	data := kvmSegment{Limit: 0xFFFFFFFF, Selector: selUserData, Type: 0x3, Present: 1, DPL: 3, DB: 1, S: 1, G: 1}
	s.CS = code
	s.SS, s.DS, s.ES, s.FS, s.GS = data, data, data, data, data
	s.FS.Base = fsBase
	s.TR = kvmSegment{Base: kernelVirt + uint64(tssOff+i*tssStride), Limit: tssLimit, Selector: uint16(selTSS0 + 16*i), Type: 0xB, Present: 1}
	s.LDT = kvmSegment{Type: 0x2, Unusable: 1}
	s.GDT = kvmDtable{Base: kernelVirt + gdtOff, Limit: uint16(selTSS0 + 16*MaxVCPUs - 1)}
	s.IDT = kvmDtable{Base: kernelVirt + idtOff, Limit: 32*16 - 1}
	s.CR0 = cr0PE | cr0MP | cr0ET | cr0NE | cr0WP | cr0AM | cr0PG
	s.CR3 = sysPhys + ptPoolOff
	s.CR4 = cr4PAE | cr4OSFXSR | cr4OSXMMEXCPT | cr4OSXSAVE
	s.EFER = eferSCE | eferLME | eferLMA | eferNXE
}

// setUserMode puts a vCPU back at CPL3 (after a syscall or a resolved
// fault), whatever selectors the exit left in CS and SS.
func setUserMode(s *kvmSregs) {
	s.CS.Selector, s.CS.Type, s.CS.DPL, s.CS.L, s.CS.DB = selUserCode, 0xB, 3, 1, 0
	s.CS.Present, s.CS.S, s.CS.G, s.CS.Base, s.CS.Limit, s.CS.Unusable = 1, 1, 1, 0, 0xFFFFFFFF, 0
	s.SS.Selector, s.SS.Type, s.SS.DPL, s.SS.DB, s.SS.L = selUserData, 0x3, 3, 1, 0
	s.SS.Present, s.SS.S, s.SS.G, s.SS.Base, s.SS.Limit, s.SS.Unusable = 1, 1, 1, 0, 0xFFFFFFFF, 0
}

// inUserMode reports whether CS and SS already hold what setUserMode sets.
func inUserMode(s *kvmSregs) bool {
	return s.CS.Selector == selUserCode && s.CS.DPL == 3 && s.CS.L == 1 &&
		s.SS.Selector == selUserData && s.SS.DPL == 3
}
