package vmm

import (
	"bytes"
	"errors"
	"testing"
)

// testKey is the key sum the codec tests encode with.
var testKey = [32]byte{1, 2, 3}

// testLimits are the limits the codec tests decode with.
var testLimits = Limits{Memory: 64 << 20, VCPUs: 4}

// sampleSnapshot builds a small snapshot by hand: two threads, an eventfd
// watched by an epoll, a few pages; what a Go guest's start-up leaves.
func sampleSnapshot() *snapshot {
	ev := &eventfd{count: 3, watchers: map[*epoll]bool{}}
	ep := &epoll{watch: map[*eventfd]epollWatch{ev: {events: 1, data: 0xfeed}}, wake: make(chan struct{}, 1)}
	ev.watchers[ep] = true
	s := &snapshot{
		heapPages:  []page{{0, bytes.Repeat([]byte{7}, pageSize)}, {3 * pageSize, bytes.Repeat([]byte{9}, pageSize)}},
		imagePages: []page{{hugeSize, bytes.Repeat([]byte{5}, pageSize)}},
		tables:     make([]byte, 3*pageSize),
		mem: memory{heapNext: 2 * hugeSize, ptNext: ptPoolOff + 3*pageSize, next: mmapBase + hugeSize,
			maps:  spanSet{[]span{{userMin, userMin + hugeSize, protRW}, {mmapBase, mmapBase + hugeSize, protNone}}},
			dirty: spanSet{[]span{{userMin, userMin + hugeSize, protRW}}}},
		fds:     map[uint64]*fdesc{5: {kind: fdEventfd, ev: ev}, 6: {kind: fdEpoll, ep: ep}},
		created: 3,
		clock:   monoBase + 12345678,
		threads: []threadState{
			{regs: kvmRegs{RIP: 0x401000, RSP: 0x7fff0000, RFLAGS: rflagsReserved | rflagsIF}, fsBase: 0x5000, restart: true, id: 0, slot: 0, tid: guestPID, sigmask: 1, restoredThread: true},
			{regs: kvmRegs{RIP: 0x402000, RAX: 202, RFLAGS: rflagsReserved | rflagsIF | 1}, id: 2, slot: 1, tid: guestPID + 2, restoredThread: true},
		},
	}
	s.sig[10][0] = 0x42
	return s
}

// TestSnapshotCodecRoundTrip checks that a decoded snapshot is the one
// encoded: it encodes to the same bytes again.
func TestSnapshotCodecRoundTrip(t *testing.T) {
	b, err := sampleSnapshot().encode(testKey)
	if err != nil {
		t.Fatal(err)
	}
	s, err := decodeSnapshot(b, testKey, testLimits, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.encode(testKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Fatal("decoding and encoding again changed the snapshot")
	}
	if w := s.fds[6].ep.watch[s.fds[5].ev]; w.data != 0xfeed || !s.fds[5].ev.watchers[s.fds[6].ep] {
		t.Fatalf("the epoll no longer watches the eventfd: %+v", s.fds[6].ep.watch)
	}
}

// TestSnapshotCodecRefuses checks that inconsistent files are refused with
// errBadSnapshot, each for the reason it was made wrong.
func TestSnapshotCodecRefuses(t *testing.T) {
	cases := map[string]func(s *snapshot){
		"heap page beyond the heap": func(s *snapshot) { s.heapPages[1].off = s.mem.heapNext },
		"unaligned heap page":       func(s *snapshot) { s.heapPages[1].off = 4*pageSize + 1 },
		"pages out of order":        func(s *snapshot) { s.heapPages[0].off, s.heapPages[1].off = s.heapPages[1].off, 0 },
		"heap above the limit":      func(s *snapshot) { s.mem.heapNext = 1 << 40 },
		"page tables outside pool":  func(s *snapshot) { s.mem.ptNext = ptPoolEnd + pageSize },
		"overlapping spans":         func(s *snapshot) { s.mem.maps.spans[1].start = userMin + pageSize },
		"kernel-half span":          func(s *snapshot) { s.mem.maps.spans[1].end = userMax + pageSize },
		"unknown protection":        func(s *snapshot) { s.mem.maps.spans[0].prot = 9 },
		"repeated slot":             func(s *snapshot) { s.threads[1].slot = 0 },
		"slot beyond the vCPUs":     func(s *snapshot) { s.threads[1].slot = testLimits.VCPUs },
		"thread never created":      func(s *snapshot) { s.threads[1].id = s.created },
		"too many threads": func(s *snapshot) {
			for i := 0; i < testLimits.VCPUs; i++ {
				s.threads = append(s.threads, threadState{id: 2, slot: 3})
			}
		},
		"no threads":             func(s *snapshot) { s.threads = nil },
		"descriptor of the run":  func(s *snapshot) { s.fds[3] = s.fds[5]; delete(s.fds, 5) },
		"clock before the start": func(s *snapshot) { s.clock = 0 },
		"eventfd over its limit": func(s *snapshot) { s.fds[5].ev.count = ^uint64(0) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			s := sampleSnapshot()
			f(s)
			b, err := s.encode(testKey)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeSnapshot(b, testKey, testLimits, 1); !errors.Is(err, errBadSnapshot) {
				t.Fatalf("err = %v, want errBadSnapshot", err)
			}
		})
	}
	b, _ := sampleSnapshot().encode(testKey)
	if _, err := decodeSnapshot(b, [32]byte{9}, testLimits, 1); !errors.Is(err, errBadSnapshot) {
		t.Fatalf("another key: err = %v, want errBadSnapshot", err)
	}
	for _, n := range []int{0, 10, len(b) / 2, len(b) - 1} {
		if _, err := decodeSnapshot(b[:n], testKey, testLimits, 1); !errors.Is(err, errBadSnapshot) {
			t.Fatalf("truncated to %d bytes: err = %v, want errBadSnapshot", n, err)
		}
	}
}

// TestSnapshotCodecSanitisesFlags checks that a file cannot hand a thread
// flags user code could not set itself (IOPL 3, virtual-8086 mode).
func TestSnapshotCodecSanitisesFlags(t *testing.T) {
	s := sampleSnapshot()
	s.threads[0].regs.RFLAGS = ^uint64(0)
	b, _ := s.encode(testKey)
	d, err := decodeSnapshot(b, testKey, testLimits, 1)
	if err != nil {
		t.Fatal(err)
	}
	const iopl, vm = 3 << 12, 1 << 17
	if f := d.threads[0].regs.RFLAGS; f&(iopl|vm) != 0 || f&rflagsIF == 0 {
		t.Fatalf("RFLAGS %#x kept privileged flags or lost IF", f)
	}
}

// FuzzDecodeSnapshot checks that no file makes the decoder panic or
// accept something it would not encode back the same way.
func FuzzDecodeSnapshot(f *testing.F) {
	b, err := sampleSnapshot().encode(testKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/3])
	f.Fuzz(func(t *testing.T, b []byte) {
		// The fuzzer rarely fixes the checksum up itself: do it, so the
		// decoder's own checks are what it explores.
		if len(b) >= 4 {
			b = reseal(bytes.Clone(b), func([]byte) {})
		}
		s, err := decodeSnapshot(b, testKey, testLimits, 1)
		if err != nil {
			if !errors.Is(err, errBadSnapshot) {
				t.Fatalf("error %v does not wrap errBadSnapshot", err)
			}
			return
		}
		again, err := s.encode(testKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeSnapshot(again, testKey, testLimits, 1); err != nil {
			t.Fatalf("a decoded snapshot encodes to a file that is refused: %v", err)
		}
	})
}
