package vmm

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// maxCreatedVCPUs bounds the vCPUs one run may create over its life: KVM
// frees a vCPU only with its VM, so threads that exit still cost one.
const maxCreatedVCPUs = 256

// guestPID is the process ID the guest sees; its threads count up from it.
const guestPID = 1

// machine is one running guest.
type machine struct {
	lim   Limits
	host  *hostKVM
	kvm   int
	vm    int
	mem   *memory
	exe   *executable
	files *fdTable
	sig   signals
	futex futexTable

	setupStart time.Time
	runStart   time.Time
	clockStart time.Time // the guest's monotonic clock counts from here

	// freezing: this run takes a snapshot at the guest's first use of a
	// descriptor (see snapshot.go).
	freezing bool

	mu      sync.Mutex // guards the fields below
	vcpus   []*vcpu    // live vCPUs
	slots   uint64     // bitmap of TSS slots in use
	created int
	stopped bool
	done    chan struct{}
	err     error
	status  int
	stats   Stats
	wg      sync.WaitGroup
	frozen  bool          // stopped for a snapshot
	threads []threadState // what the snapshot captured
}

// newMachine opens KVM, creates the VM and its memory and loads the
// executable. On error everything it made is released.
func newMachine(cfg *Config, lim Limits, snap *snapshot, freezing bool) (m *machine, err error) {
	m = &machine{lim: lim, kvm: -1, vm: -1, done: make(chan struct{}), setupStart: time.Now(), freezing: freezing}
	m.clockStart = m.setupStart
	m.stats.Exits = map[ExitKind]int64{}
	m.stats.Syscalls = map[Syscall]int64{}
	m.stats.Refused = map[Syscall]int64{}
	defer func() {
		if err != nil {
			m.close()
			m = nil
		}
	}()
	m.mem = &memory{limit: (lim.Memory + hugeSize - 1) &^ (hugeSize - 1), next: mmapBase}
	if err := m.loadExecutable(cfg); err != nil {
		return m, err
	}
	m.files = newFDTable(cfg)
	if m.kvm, err = openKVM(); err != nil {
		return m, err
	}
	if m.host, err = probeHost(m.kvm); err != nil {
		return m, err
	}
	vm, err := retryEINTR(func() (uintptr, error) { return ioctl(m.kvm, kvmCreateVM, 0) })
	if err != nil {
		return m, fmt.Errorf("%w: KVM_CREATE_VM: %w", ErrKVMUnavailable, err)
	}
	m.vm = int(vm)
	unix.CloseOnExec(m.vm)
	// Only needed by VMX without unrestricted guest; harmless elsewhere.
	_, _ = ioctl(m.vm, kvmSetTSSAddr, tssAddr)

	if m.mem.sys, err = unix.Mmap(-1, 0, sysSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err != nil {
		return m, fmt.Errorf("vmm: mapping the system area: %w", err)
	}
	if m.mem.heap, err = unix.Mmap(-1, 0, int(m.mem.limit), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE); err != nil {
		return m, fmt.Errorf("%w: reserving %d bytes of guest memory: %w", ErrMemoryLimit, m.mem.limit, err)
	}
	// Host huge pages behind the guest's 2 MiB pages let KVM map each with
	// one entry instead of faulting in 512 small ones (a shadow-paging
	// exit each on PVM). A snapshot's few scattered pages are better off
	// small: a huge page would have to be cleared whole. Advice only.
	fresh := uint64(0)
	if snap != nil {
		fresh = snap.mem.heapNext
	}
	if int64(fresh) < m.mem.limit {
		_ = unix.Madvise(m.mem.heap[fresh:], unix.MADV_HUGEPAGE)
	}
	for slot, r := range [][]byte{m.mem.sys, m.mem.image, m.mem.heap} {
		region := kvmUserspaceMemoryRegion{
			Slot: uint32(slot), GuestPhysAddr: [...]uint64{sysPhys, imagePhys, heapPhys}[slot],
			MemorySize: uint64(len(r)), UserspaceAddr: hostAddr(r),
		}
		if _, err := ioctlPtr(m.vm, kvmSetUserMemoryRegion, &region); err != nil {
			return m, fmt.Errorf("vmm: KVM_SET_USER_MEMORY_REGION %d: %w", slot, err)
		}
	}
	if err := buildSysArea(m.mem, lim.VCPUs); err != nil {
		return m, err
	}
	if snap != nil {
		return m, snap.restore(m)
	}
	if err := m.exe.load(m.mem); err != nil {
		return m, err
	}
	return m, nil
}

// loadExecutable reads and checks the executable (cfg.Path is mapped for
// that, cfg.Executable used as it is) and copies its segments into the
// image: laid out as the guest sees them, in memory advised to use host
// huge pages.
func (m *machine) loadExecutable(cfg *Config) error {
	file := cfg.Executable
	if cfg.Path != "" {
		f, err := os.Open(cfg.Path)
		if err != nil {
			return fmt.Errorf("vmm: executable: %w", err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("vmm: executable: %w", err)
		}
		if n := st.Size(); !st.Mode().IsRegular() || n == 0 || n > maxELF {
			return notStatic("%s: not a regular file of 1 to %d bytes", cfg.Path, maxELF)
		}
		if file, err = unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE); err != nil {
			return fmt.Errorf("vmm: mapping %s: %w", cfg.Path, err)
		}
		defer unix.Munmap(file)
	}
	if len(file) == 0 || len(file) > maxELF {
		return notStatic("%d bytes; want 1 to %d", len(file), maxELF)
	}
	x, err := parseELF(file)
	if err != nil {
		return err
	}
	size := x.imageSize()
	if size > maxELF {
		return notStatic("its segments span %d bytes, more than %d", size, maxELF)
	}
	image, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("vmm: mapping the executable's image: %w", err)
	}
	_ = unix.Madvise(image, unix.MADV_HUGEPAGE)
	x.buildImage(image, file)
	if m.freezing {
		x.keepData(file)
	}
	m.exe, m.mem.image = x, image
	return nil
}

// close releases the VM and its memory (the vCPUs release themselves).
func (m *machine) close() {
	if m.vm >= 0 {
		unix.Close(m.vm)
	}
	if m.kvm >= 0 {
		unix.Close(m.kvm)
	}
	for _, b := range [][]byte{m.mem.sys, m.mem.image, m.mem.heap} {
		if b != nil {
			_ = unix.Munmap(b)
		}
	}
}

// stop ends the run once: with err (nil for an exit) and the exit status.
// Every vCPU is kicked out of KVM_RUN; host waits watch m.done.
func (m *machine) stop(err error, status int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	m.stopped, m.err, m.status = true, err, status
	close(m.done)
	for _, v := range m.vcpus {
		v.kick()
	}
}

// isStopped reports whether the run is ending.
func (m *machine) isStopped() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// run executes the guest to its end and collects the result.
func (m *machine) run(cfg *Config, snap *snapshot) (*Result, error) {
	threads := []threadState(nil)
	if snap != nil {
		threads = snap.threads
	} else {
		sp, err := m.buildStack(cfg)
		if err != nil {
			return nil, err
		}
		threads = []threadState{{regs: kvmRegs{RIP: m.exe.entry, RSP: sp, RFLAGS: rflagsReserved | rflagsIF}}}
	}
	wall := time.AfterFunc(m.lim.WallTime-time.Since(m.setupStart), func() {
		m.stop(fmt.Errorf("%w (%v)", ErrTimeLimit, m.lim.WallTime), 0)
	})
	defer wall.Stop()
	// A snapshot's threads are set up in parallel (each on its own thread).
	var started sync.WaitGroup
	for _, st := range threads {
		started.Add(1)
		go func() {
			defer started.Done()
			if _, err := m.startVCPU(st, true); err != nil {
				m.stop(err, 0)
			}
		}()
	}
	started.Wait()
	m.wg.Wait()
	end := time.Now()

	res := &Result{ExitStatus: m.status, Stats: m.stats}
	res.Stdout, res.Stderr, res.Files = m.files.outputs()
	res.Stats.Memory = m.mem.backed()
	if !m.runStart.IsZero() {
		res.Stats.Setup = m.runStart.Sub(m.setupStart)
		res.Stats.Run = end.Sub(m.runStart)
	} else {
		res.Stats.Setup = end.Sub(m.setupStart)
	}
	return res, m.err
}
