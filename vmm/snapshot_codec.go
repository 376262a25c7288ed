package vmm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

// The snapshot file format (Config.SnapshotDir): a fixed magic, the
// format version, the SHA-256 of the key the snapshot was taken for, the
// sections below in this order, and a CRC-32C of everything before it.
// All integers are little endian. A file is trusted no more than the guest
// it came from: decodeSnapshot bounds every count, offset and length before
// use, and a restored guest runs in the same sandbox as a fresh one.
//
//	clock u64, created u32
//	heapNext u64, ptNext u64, next u64
//	maps:  count u32, count × (start u64, end u64, prot u8)
//	dirty: count u32, count × (start u64, end u64, prot u8)
//	heap pages:  count u32, count × (offset u64, page)
//	image pages: count u32, count × (offset u64, page)
//	tables: ptNext − ptPoolOff bytes
//	signal actions: (numSignals+1) × sigactionSize bytes
//	eventfds: count u32, count × (fd u32, counter u64)
//	epolls:   count u32, count × (fd u32, watches u32, watches × (eventfd u32, events u32, data u64))
//	threads:  count u32, count × (18 × u64 registers, fsBase u64, restart u8,
//	          id u32, slot u32, sigmask u64, altstack 24 bytes)
const (
	snapshotMagic   = "INSTARvm"
	snapshotVersion = 1
	// maxSnapshotFile bounds a snapshot file: a Go guest's start-up
	// writes well under 4 MiB, and a bigger snapshot is not worth keeping.
	maxSnapshotFile = 64 << 20
)

// errBadSnapshot is wrapped by every decodeSnapshot failure.
var errBadSnapshot = errors.New("vmm: snapshot file refused")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcOf is the file's checksum of b.
func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// snapshotWriter appends the file's fields.
type snapshotWriter struct{ b []byte }

func (w *snapshotWriter) u8(v uint8)   { w.b = append(w.b, v) }
func (w *snapshotWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *snapshotWriter) u64(v uint64) { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *snapshotWriter) raw(p []byte) { w.b = append(w.b, p...) }
func (w *snapshotWriter) count(n int)  { w.u32(uint32(n)) }
func (w *snapshotWriter) spans(s []span) {
	w.count(len(s))
	for _, sp := range s {
		w.u64(sp.start)
		w.u64(sp.end)
		w.u8(uint8(sp.prot))
	}
}
func (w *snapshotWriter) pages(ps []page) {
	w.count(len(ps))
	for _, p := range ps {
		w.u64(p.off)
		w.raw(p.data)
	}
}

// encode returns s as a snapshot file for the key whose SHA-256 is keySum.
func (s *snapshot) encode(keySum [32]byte) ([]byte, error) {
	w := &snapshotWriter{b: make([]byte, 0, 4096+(len(s.heapPages)+len(s.imagePages))*(8+pageSize)+len(s.tables))}
	w.raw([]byte(snapshotMagic))
	w.u32(snapshotVersion)
	w.raw(keySum[:])
	w.u64(uint64(s.clock))
	w.u32(uint32(s.created))
	w.u64(s.mem.heapNext)
	w.u64(s.mem.ptNext)
	w.u64(s.mem.next)
	w.spans(s.mem.maps.spans)
	w.spans(s.mem.dirty.spans)
	w.pages(s.heapPages)
	w.pages(s.imagePages)
	w.raw(s.tables)
	for _, a := range s.sig {
		w.raw(a[:])
	}
	// Descriptors in ascending order, so that equal snapshots encode equally.
	var evs, eps []uint64
	for fd, d := range s.fds {
		switch d.kind {
		case fdEventfd:
			evs = append(evs, fd)
		case fdEpoll:
			eps = append(eps, fd)
		}
	}
	slices.Sort(evs)
	slices.Sort(eps)
	evFD := map[*eventfd]uint64{}
	w.count(len(evs))
	for _, fd := range evs {
		evFD[s.fds[fd].ev] = fd
		w.u32(uint32(fd))
		w.u64(s.fds[fd].ev.count)
	}
	w.count(len(eps))
	for _, fd := range eps {
		w.u32(uint32(fd))
		type watch struct {
			fd uint64
			w  epollWatch
		}
		var ws []watch
		for ev, wt := range s.fds[fd].ep.watch {
			if evfd, ok := evFD[ev]; ok {
				ws = append(ws, watch{evfd, wt})
			}
		}
		slices.SortFunc(ws, func(a, b watch) int { return int(a.fd) - int(b.fd) })
		w.count(len(ws))
		for _, wt := range ws {
			w.u32(uint32(wt.fd))
			w.u32(wt.w.events)
			w.u64(wt.w.data)
		}
	}
	w.count(len(s.threads))
	for _, t := range s.threads {
		for _, r := range t.regs.list() {
			w.u64(r)
		}
		w.u64(t.fsBase)
		w.u8(boolByte(t.restart))
		w.u32(uint32(t.id))
		w.u32(uint32(t.slot))
		w.u64(t.sigmask)
		w.raw(t.altstack[:])
	}
	w.u32(crcOf(w.b))
	if len(w.b) > maxSnapshotFile {
		return nil, fmt.Errorf("vmm: a %d-byte snapshot is larger than the %d bytes a file may hold", len(w.b), maxSnapshotFile)
	}
	return w.b, nil
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// snapshotReader reads the file's fields; the first failure sticks and
// every later read returns zero.
type snapshotReader struct {
	b   []byte
	err error
}

func (r *snapshotReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", errBadSnapshot, fmt.Sprintf(format, args...))
	}
}

func (r *snapshotReader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("truncated: %d bytes wanted, %d left", n, len(r.b))
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *snapshotReader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *snapshotReader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *snapshotReader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// count reads a count of items of at least itemSize bytes each, at most
// limit, and no more than the bytes left could hold.
func (r *snapshotReader) count(what string, limit, itemSize uint64) int {
	n := uint64(r.u32())
	if r.err == nil && (n > limit || n*itemSize > uint64(len(r.b))) {
		r.fail("%d %s (at most %d, and %d bytes left)", n, what, limit, len(r.b))
		return 0
	}
	return int(n)
}

// spans reads a span list, which must be sorted, disjoint, page aligned
// and inside the guest's user range.
func (r *snapshotReader) spans(what string) []span {
	n := r.count(what, maxSpans, 17)
	s := make([]span, 0, n)
	prev := uint64(0)
	for i := 0; i < n && r.err == nil; i++ {
		sp := span{start: r.u64(), end: r.u64(), prot: protection(r.u8())}
		if sp.start < max(prev, userMin) || sp.end <= sp.start || sp.end > userMax ||
			sp.start%pageSize != 0 || sp.end%pageSize != 0 || sp.prot > protRW {
			r.fail("%s span %d [%#x, %#x) prot %d is not a sorted, page-aligned user range", what, i, sp.start, sp.end, sp.prot)
		}
		prev = sp.end
		s = append(s, sp)
	}
	return s
}

// pages reads saved pages at ascending, page-aligned offsets below limit.
func (r *snapshotReader) pages(what string, limit uint64) []page {
	n := r.count(what, limit/pageSize, 8+pageSize)
	ps := make([]page, 0, n)
	next := uint64(0)
	for i := 0; i < n && r.err == nil; i++ {
		off := r.u64()
		if off < next || off%pageSize != 0 || off >= limit {
			r.fail("%s page %d at offset %#x is out of order or outside [0, %#x)", what, i, off, limit)
		}
		next = off + pageSize
		ps = append(ps, page{off, r.take(pageSize)})
	}
	return ps
}

// decodeSnapshot parses and checks a snapshot file taken for the key whose
// SHA-256 is keySum, for a run with limits lim and nFiles Config.Files.
// Image page offsets are checked against the executable by restore.
func decodeSnapshot(b []byte, keySum [32]byte, lim Limits, nFiles int) (*snapshot, error) {
	if len(b) > maxSnapshotFile || len(b) < len(snapshotMagic)+4+32+4 {
		return nil, fmt.Errorf("%w: %d bytes", errBadSnapshot, len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crcOf(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch (the file is damaged)", errBadSnapshot)
	}
	r := &snapshotReader{b: body}
	if string(r.take(uint64(len(snapshotMagic)))) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a snapshot file", errBadSnapshot)
	}
	if v := r.u32(); v != snapshotVersion {
		return nil, fmt.Errorf("%w: format version %d, want %d", errBadSnapshot, v, snapshotVersion)
	}
	if string(r.take(32)) != string(keySum[:]) {
		return nil, fmt.Errorf("%w: taken for another executable, host or configuration", errBadSnapshot)
	}
	s := &snapshot{fds: map[uint64]*fdesc{}}
	clock := r.u64()
	if clock < uint64(monoBase) || clock-uint64(monoBase) > uint64(math.MaxInt32)*uint64(1e6) {
		r.fail("guest clock %d is out of range", clock)
	}
	s.clock = int64(clock)
	s.created = int(r.u32())
	if s.created < 1 || s.created > maxCreatedVCPUs {
		r.fail("%d vCPUs created (1 to %d)", s.created, maxCreatedVCPUs)
	}
	s.mem.heapNext, s.mem.ptNext, s.mem.next = r.u64(), r.u64(), r.u64()
	limit := uint64(lim.Memory+hugeSize-1) &^ (hugeSize - 1)
	if s.mem.heapNext%hugeSize != 0 || s.mem.heapNext > limit {
		r.fail("heap end %#x is not 2 MiB aligned within the %d-byte memory limit", s.mem.heapNext, limit)
	}
	if s.mem.ptNext < ptPoolOff+pageSize || s.mem.ptNext > ptPoolEnd || s.mem.ptNext%pageSize != 0 {
		r.fail("page-table pool end %#x is outside (%#x, %#x]", s.mem.ptNext, ptPoolOff, ptPoolEnd)
	}
	if s.mem.next < mmapBase || s.mem.next > mmapEnd || s.mem.next%pageSize != 0 {
		r.fail("mmap cursor %#x is outside [%#x, %#x]", s.mem.next, mmapBase, mmapEnd)
	}
	s.mem.maps.spans = r.spans("mapped")
	s.mem.dirty.spans = r.spans("dirty")
	s.heapPages = r.pages("heap", s.mem.heapNext)
	s.imagePages = r.pages("image", maxELF)
	if r.err == nil {
		s.tables = r.take(s.mem.ptNext - ptPoolOff)
	}
	for i := range s.sig {
		copy(s.sig[i][:], r.take(sigactionSize))
	}
	// Descriptors: above the run's own (0–2 and Config.Files), each once.
	used := map[uint64]bool{}
	fd := func(what string) uint64 {
		n := uint64(r.u32())
		if r.err == nil && (n < 3+uint64(nFiles) || n >= maxFDs || used[n]) {
			r.fail("%s descriptor %d is reserved, repeated or not below %d", what, n, maxFDs)
		}
		used[n] = true
		return n
	}
	evs := map[uint64]*eventfd{}
	for i, n := 0, r.count("eventfds", maxFDs, 12); i < n && r.err == nil; i++ {
		n := fd("eventfd")
		count := r.u64()
		if count == ^uint64(0) {
			r.fail("eventfd %d holds %#x, more than an eventfd can count", n, count)
		}
		evs[n] = &eventfd{count: count, watchers: map[*epoll]bool{}}
		s.fds[n] = &fdesc{kind: fdEventfd, ev: evs[n]}
	}
	for i, n := 0, r.count("epolls", maxFDs, 8); i < n && r.err == nil; i++ {
		ep := &epoll{watch: map[*eventfd]epollWatch{}, wake: make(chan struct{}, 1)}
		s.fds[fd("epoll")] = &fdesc{kind: fdEpoll, ep: ep}
		for j, m := 0, r.count("epoll watches", maxFDs, 16); j < m && r.err == nil; j++ {
			evfd := uint64(r.u32())
			ev := evs[evfd]
			if ev == nil || ep.watch[ev] != (epollWatch{}) {
				r.fail("an epoll watches descriptor %d, which is not an eventfd or is watched twice", evfd)
				break
			}
			ep.watch[ev] = epollWatch{events: r.u32(), data: r.u64()}
			ev.watchers[ep] = true
		}
	}
	n := r.count("threads", uint64(lim.VCPUs), 18*8+8+1+4+4+8+24)
	if r.err == nil && n == 0 {
		r.fail("no threads")
	}
	var slots, ids [maxCreatedVCPUs]bool
	for i := 0; i < n && r.err == nil; i++ {
		var regs [18]uint64
		for k := range regs {
			regs[k] = r.u64()
		}
		t := threadState{regs: regsFromList(regs), fsBase: r.u64(), restoredThread: true}
		restart := r.u8()
		t.restart = restart == 1
		t.id, t.slot = int(r.u32()), int(r.u32())
		t.tid = guestPID + t.id
		t.sigmask = r.u64()
		copy(t.altstack[:], r.take(24))
		if restart > 1 || t.id >= s.created || ids[t.id] || t.slot >= lim.VCPUs || slots[t.slot] {
			r.fail("thread %d: id %d, slot %d, restart %d are out of range or repeated", i, t.id, t.slot, restart)
			break
		}
		ids[t.id], slots[t.slot] = true, true
		// Only the flags user code may set itself survive: a file must
		// not hand the guest I/O privilege or virtual-8086 mode.
		t.regs.RFLAGS = userRflags(t.regs.RFLAGS) | rflagsIF
		s.threads = append(s.threads, t)
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d bytes left over", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

// list returns the registers in kvm_regs order.
func (r *kvmRegs) list() [18]uint64 {
	return [18]uint64{r.RAX, r.RBX, r.RCX, r.RDX, r.RSI, r.RDI, r.RSP, r.RBP,
		r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15, r.RIP, r.RFLAGS}
}

// regsFromList is the inverse of kvmRegs.list.
func regsFromList(l [18]uint64) kvmRegs {
	return kvmRegs{RAX: l[0], RBX: l[1], RCX: l[2], RDX: l[3], RSI: l[4], RDI: l[5], RSP: l[6], RBP: l[7],
		R8: l[8], R9: l[9], R10: l[10], R11: l[11], R12: l[12], R13: l[13], R14: l[14], R15: l[15], RIP: l[16], RFLAGS: l[17]}
}
