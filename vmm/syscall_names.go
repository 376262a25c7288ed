package vmm

import "fmt"

// Syscall is a linux/amd64 syscall number as the guest passed it in RAX.
type Syscall uint64

// The syscalls this package emulates or answers specially
// (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	sysRead            Syscall = 0
	sysWrite           Syscall = 1
	sysOpen            Syscall = 2
	sysClose           Syscall = 3
	sysFstat           Syscall = 5
	sysLseek           Syscall = 8
	sysMmap            Syscall = 9
	sysMprotect        Syscall = 10
	sysMunmap          Syscall = 11
	sysRtSigaction     Syscall = 13
	sysRtSigprocmask   Syscall = 14
	sysPread64         Syscall = 17
	sysPwrite64        Syscall = 18
	sysSchedYield      Syscall = 24
	sysMadvise         Syscall = 28
	sysNanosleep       Syscall = 35
	sysGetpid          Syscall = 39
	sysSocket          Syscall = 41
	sysClone           Syscall = 56
	sysExecve          Syscall = 59
	sysExit            Syscall = 60
	sysKill            Syscall = 62
	sysFcntl           Syscall = 72
	sysFsync           Syscall = 74
	sysFdatasync       Syscall = 75
	sysFtruncate       Syscall = 77
	sysPtrace          Syscall = 101
	sysSigaltstack     Syscall = 131
	sysPrctl           Syscall = 157
	sysArchPrctl       Syscall = 158
	sysMount           Syscall = 165
	sysGettid          Syscall = 186
	sysTkill           Syscall = 200
	sysFutex           Syscall = 202
	sysSchedGetaffin   Syscall = 204
	sysClockGettime    Syscall = 228
	sysClockNanosleep  Syscall = 230
	sysExitGroup       Syscall = 231
	sysEpollWait       Syscall = 232
	sysEpollCtl        Syscall = 233
	sysTgkill          Syscall = 234
	sysOpenat          Syscall = 257
	sysNewfstatat      Syscall = 262
	sysEpollPwait      Syscall = 281
	sysEventfd2        Syscall = 290
	sysEpollCreate1    Syscall = 291
	sysPrlimit64       Syscall = 302
	sysGetrandom       Syscall = 318
	sysClone3          Syscall = 435
	sysEpollPwait2     Syscall = 441
	maxCountedSyscalls         = 512
)

var syscallNames = map[Syscall]string{
	sysRead: "read", sysWrite: "write", sysOpen: "open", sysClose: "close",
	sysFstat: "fstat", sysLseek: "lseek", sysMmap: "mmap", sysMprotect: "mprotect",
	sysMunmap: "munmap", sysRtSigaction: "rt_sigaction", sysRtSigprocmask: "rt_sigprocmask",
	sysPread64: "pread64", sysPwrite64: "pwrite64", sysSchedYield: "sched_yield",
	sysMadvise: "madvise", sysNanosleep: "nanosleep", sysGetpid: "getpid",
	sysSocket: "socket", sysClone: "clone", sysExecve: "execve", sysExit: "exit",
	sysKill: "kill", sysFcntl: "fcntl", sysFsync: "fsync", sysFdatasync: "fdatasync",
	sysFtruncate: "ftruncate", sysPtrace: "ptrace", sysSigaltstack: "sigaltstack",
	sysPrctl: "prctl", sysArchPrctl: "arch_prctl", sysMount: "mount", sysGettid: "gettid",
	sysTkill: "tkill", sysFutex: "futex", sysSchedGetaffin: "sched_getaffinity",
	sysClockGettime: "clock_gettime", sysClockNanosleep: "clock_nanosleep",
	sysExitGroup: "exit_group", sysEpollWait: "epoll_wait", sysEpollCtl: "epoll_ctl",
	sysTgkill: "tgkill", sysOpenat: "openat", sysNewfstatat: "newfstatat",
	sysEpollPwait: "epoll_pwait", sysEventfd2: "eventfd2", sysEpollCreate1: "epoll_create1",
	sysPrlimit64: "prlimit64", sysGetrandom: "getrandom", sysClone3: "clone3",
	sysEpollPwait2: "epoll_pwait2",
}

// String returns the syscall's name when this package knows it, else
// "syscall N".
func (s Syscall) String() string {
	if n, ok := syscallNames[s]; ok {
		return n
	}
	return fmt.Sprintf("syscall %d", uint64(s))
}

// MarshalText returns the syscall's String, so Stats marshal to readable JSON.
func (s Syscall) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
