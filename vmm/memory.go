package vmm

import (
	"errors"
	"fmt"
	"sync"
)

// errFault is returned by guest-memory accessors for an address the guest
// has not mapped; syscalls answer it with EFAULT.
var errFault = errors.New("bad guest address")

// memory is a guest's address space: the host mappings behind its three
// memory slots, the page tables the host writes for it and the guest's own
// view of which ranges are mapped. Page-table entries only ever go from
// absent to present, so no vCPU needs a TLB flush.
type memory struct {
	mu sync.Mutex

	sys   []byte // system area
	image []byte // the executable's segments, laid out as the guest sees them
	heap  []byte // anonymous memory, MAP_NORESERVE

	heapNext uint64 // offset of the next free 2 MiB chunk in heap
	ptNext   uint64 // next free page-table page in sys
	limit    int64  // bytes of heap that may be handed out

	maps  spanSet // what the guest mapped
	dirty spanSet // ranges that were ever mapped read-write
	next  uint64  // next placement for mmaps without a usable hint
}

// inSlot reports whether guest-physical [pa, pa+n) lies inside one slot.
// Page-table entries are checked with it before use: guest code running at
// CPL0 could rewrite them, and the host must not follow them blindly.
func (m *memory) inSlot(pa, n uint64) bool {
	in := func(base uint64, b []byte) bool {
		return pa >= base && pa-base <= uint64(len(b)) && n <= uint64(len(b))-(pa-base)
	}
	return in(heapPhys, m.heap) || in(imagePhys, m.image) || in(sysPhys, m.sys)
}

// isTable reports whether pa is a page-table page the host allocated.
func (m *memory) isTable(pa uint64) bool {
	return pa%pageSize == 0 && pa >= ptPoolOff && pa < m.ptNext
}

// host returns the host bytes behind guest-physical [pa, pa+n), which the
// caller has checked with inSlot or built itself.
func (m *memory) host(pa, n uint64) []byte {
	switch {
	case pa >= heapPhys:
		return m.heap[pa-heapPhys : pa-heapPhys+n]
	case pa >= imagePhys:
		return m.image[pa-imagePhys : pa-imagePhys+n]
	}
	return m.sys[pa : pa+n]
}

// newTable takes a zeroed page-table page from the pool.
func (m *memory) newTable() (uint64, error) {
	if m.ptNext+pageSize > ptPoolEnd {
		return 0, fmt.Errorf("%w: the guest's page tables are full (it mapped too many scattered ranges)", ErrMemoryLimit)
	}
	pa := m.ptNext
	m.ptNext += pageSize
	return pa, nil
}

// chunk hands out a fresh 2 MiB piece of heap, within the memory limit.
func (m *memory) chunk() (uint64, error) {
	if int64(m.heapNext+hugeSize) > m.limit {
		return 0, fmt.Errorf("%w: %d bytes in use, limit %d", ErrMemoryLimit, m.heapNext, m.limit)
	}
	pa := heapPhys + m.heapNext
	m.heapNext += hugeSize
	return pa, nil
}

// entry returns the page-table entry of va at the given level (3 = PML4,
// 0 = PT), creating missing tables above it.
func (m *memory) entry(va uint64, level int) ([]byte, error) {
	table := uint64(ptPoolOff)
	for l := 3; ; l-- {
		idx := (va >> (12 + 9*uint(l))) & 511
		e := m.host(table+idx*8, 8)
		if l == level {
			return e, nil
		}
		v := loadPTE(e)
		if v&ptePresent == 0 {
			t, err := m.newTable()
			if err != nil {
				return nil, err
			}
			v = t | ptePresent | pteWrite | pteUser
			storePTE(e, v)
		} else if v&pteHuge != 0 || !m.isTable(v&pteAddr) {
			return nil, errFault // a huge page or a table the host did not make
		}
		table = v & pteAddr
	}
}

// map2M maps the 2 MiB page at va to pa.
func (m *memory) map2M(va, pa, flags uint64) error {
	e, err := m.entry(va, 1)
	if err != nil {
		return err
	}
	storePTE(e, pa|flags|ptePresent|pteHuge)
	return nil
}

// lookup walks the page tables for va and returns its guest-physical
// address and how many bytes of the page remain from there. When va is not
// mapped, rest is how far the unmapped region goes on at least.
func (m *memory) lookup(va uint64) (pa, rest uint64, ok bool) {
	table := uint64(ptPoolOff)
	for l := 3; l >= 0; l-- {
		shift := 12 + 9*uint(l)
		v := loadPTE(m.host(table+((va>>shift)&511)*8, 8))
		if v&ptePresent == 0 {
			size := uint64(1) << shift
			return 0, size - va&(size-1), false
		}
		if l == 0 || (l == 1 && v&pteHuge != 0) {
			size := uint64(1) << shift
			off := va & (size - 1)
			base := v & pteAddr &^ (size - 1)
			if !m.inSlot(base, size) {
				return 0, size - off, false
			}
			return base + off, size - off, true
		}
		if v&pteHuge != 0 || !m.isTable(v&pteAddr) {
			size := uint64(1) << shift
			return 0, size - va&(size-1), false
		}
		table = v & pteAddr
	}
	return 0, 0, false
}

// back makes the page holding va present, with a 2 MiB page of fresh
// heap, when the guest mapped it read-write. Callers hold m.mu.
func (m *memory) back(va uint64) error {
	if _, _, ok := m.lookup(va); ok {
		return nil
	}
	sp, ok := m.maps.find(va)
	if !ok || sp.prot != protRW {
		return errFault
	}
	pa, err := m.chunk()
	if err != nil {
		return err
	}
	return m.map2M(va&^(hugeSize-1), pa, pteWrite|pteUser|pteNX)
}

// fault resolves a guest page fault at va by backing the page. It reports
// false when the guest touched memory it had not mapped read-write.
func (m *memory) fault(va uint64) (bool, error) {
	if va < userMin || va >= userMax {
		return false, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.back(va)
	if errors.Is(err, errFault) {
		return false, nil
	}
	return err == nil, err
}

// span calls f with the host bytes behind guest-virtual [va, va+n), page by
// page, backing pages the guest mapped but never touched. An unmapped
// address returns errFault; f's error stops the walk.
func (m *memory) span(va, n uint64, f func([]byte) error) error {
	if n == 0 {
		return nil // as in Linux, an empty transfer never faults
	}
	if va < userMin || va >= userMax || n > userMax-va {
		return errFault
	}
	for n > 0 {
		m.mu.Lock()
		err := m.back(va)
		var pa, rest uint64
		if err == nil {
			var ok bool
			if pa, rest, ok = m.lookup(va); !ok {
				err = errFault
			}
		}
		m.mu.Unlock()
		if err != nil {
			return err
		}
		c := min(rest, n)
		if err := f(m.host(pa, c)); err != nil {
			return err
		}
		va += c
		n -= c
	}
	return nil
}

// read copies guest memory at va into p.
func (m *memory) read(va uint64, p []byte) error {
	return m.span(va, uint64(len(p)), func(b []byte) error {
		p = p[copy(p, b):]
		return nil
	})
}

// write copies p into guest memory at va.
func (m *memory) write(va uint64, p []byte) error {
	return m.span(va, uint64(len(p)), func(b []byte) error {
		p = p[copy(b, p):]
		return nil
	})
}

// word returns the host bytes of the 4-byte guest word at va.
func (m *memory) word(va uint64) ([]byte, error) {
	if va%4 != 0 {
		return nil, errFault
	}
	var w []byte
	err := m.span(va, 4, func(b []byte) error { w = b; return nil })
	return w, err
}

// zero clears the backed pages of [start, end), so that memory the guest
// maps read-write again reads as zero, as fresh anonymous memory must.
// Callers hold m.mu.
func (m *memory) zero(start, end uint64) {
	for va := start; va < end; {
		pa, rest, ok := m.lookup(va)
		c := min(rest, end-va)
		if ok {
			clear(m.host(pa, c))
		}
		va += c
	}
}

// backed is the number of heap bytes handed out so far.
func (m *memory) backed() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(m.heapNext)
}
