package vmm

import "golang.org/x/sys/unix"

// mmap flags and protections (include/uapi/asm-generic/mman*.h).
const (
	mapShared         = 0x01
	mapPrivate        = 0x02
	mapFixed          = 0x10
	mapAnonymous      = 0x20
	mapFixedNoreplace = 0x100000
	protRead          = 0x1
	protWrite         = 0x2
)

// pageUp rounds n up to a whole number of 4 KiB pages; ok is false on
// overflow.
func pageUp(n uint64) (uint64, bool) {
	r := (n + pageSize - 1) &^ (pageSize - 1)
	return r, r >= n
}

// sysMmap emulates mmap for anonymous memory only: PROT_NONE reserves,
// anything else commits read-write memory that is backed on first touch.
func (m *machine) sysMmap(addr, length, prot, flags, fd uint64) uint64 {
	if flags&mapAnonymous == 0 {
		return errno(unix.ENODEV) // no file-backed mappings
	}
	if flags&(mapShared|mapPrivate) == 0 || length == 0 || addr%pageSize != 0 {
		return errno(unix.EINVAL)
	}
	n, ok := pageUp(length)
	if !ok || n > userMax-userMin {
		return errno(unix.ENOMEM)
	}
	p := protNone
	if prot&(protRead|protWrite) != 0 {
		p = protRW
	}
	mem := m.mem
	mem.mu.Lock()
	defer mem.mu.Unlock()
	fixed := flags&(mapFixed|mapFixedNoreplace) != 0
	inRange := addr >= userMin && addr <= userMax-n
	switch {
	case fixed && !inRange:
		return errno(unix.ENOMEM)
	case flags&mapFixedNoreplace != 0 && mem.maps.overlaps(addr, addr+n):
		return errno(unix.EEXIST)
	case !fixed && (!inRange || mem.maps.overlaps(addr, addr+n)):
		// Place it: upwards from the last placement, never reusing
		// addresses, so placed memory is always fresh.
		if n > mmapEnd-mmapBase {
			return errno(unix.ENOMEM)
		}
		addr = mem.next
		for addr <= mmapEnd-n {
			sp, ok := mem.maps.firstOverlap(addr, addr+n)
			if !ok {
				break
			}
			addr = sp.end
		}
		if addr > mmapEnd-n {
			return errno(unix.ENOMEM)
		}
		mem.next = addr + n
	}
	if !mem.maps.set(addr, addr+n, p) {
		return errno(unix.ENOMEM)
	}
	if p == protRW {
		mem.dirty.each(addr, addr+n, func(s span) { mem.zero(s.start, s.end) })
		if !mem.dirty.set(addr, addr+n, protRW) {
			return errno(unix.ENOMEM)
		}
	}
	return addr
}

// sysMunmap forgets a range. Its pages stay backed (entries never change);
// a later read-write mapping of the range is zeroed.
func (m *machine) sysMunmap(addr, length uint64) uint64 {
	n, ok := pageUp(length)
	if addr%pageSize != 0 || length == 0 || !ok || addr < userMin || addr > userMax-n {
		return errno(unix.EINVAL)
	}
	m.mem.mu.Lock()
	defer m.mem.mu.Unlock()
	m.mem.maps.remove(addr, addr+n)
	return 0
}

// sysMprotect records a new protection for pages not yet backed; backed
// pages keep theirs (entries never change).
func (m *machine) sysMprotect(addr, length, prot uint64) uint64 {
	n, ok := pageUp(length)
	if addr%pageSize != 0 || !ok || addr < userMin || addr > userMax-n {
		return errno(unix.EINVAL)
	}
	p := protNone
	if prot&(protRead|protWrite) != 0 {
		p = protRW
	}
	mem := m.mem
	mem.mu.Lock()
	defer mem.mu.Unlock()
	covered := uint64(0)
	mem.maps.each(addr, addr+n, func(s span) { covered += s.end - s.start })
	if covered != n {
		return errno(unix.ENOMEM)
	}
	if !mem.maps.set(addr, addr+n, p) {
		return errno(unix.ENOMEM)
	}
	if p == protRW && !mem.dirty.set(addr, addr+n, protRW) {
		return errno(unix.ENOMEM)
	}
	return 0
}

// madvDontneed is MADV_DONTNEED: afterwards private anonymous memory reads
// as zero, and the Go runtime relies on that.
const madvDontneed = 4

// sysMadvise honours MADV_DONTNEED by zeroing the range's backed pages
// (they stay backed); other advice is accepted and ignored.
func (m *machine) sysMadvise(addr, length, advice uint64) uint64 {
	n, ok := pageUp(length)
	if addr%pageSize != 0 || !ok || addr > userMax || n > userMax-addr {
		return errno(unix.EINVAL)
	}
	if advice == madvDontneed {
		m.mem.mu.Lock()
		m.mem.maps.each(addr, addr+n, func(s span) {
			if s.prot == protRW {
				m.mem.zero(s.start, s.end)
			}
		})
		m.mem.mu.Unlock()
	}
	return 0
}
