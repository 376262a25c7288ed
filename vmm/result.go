package vmm

import (
	"fmt"
	"time"
)

// Result is what a guest run produced.
//
// Run returns a Result together with a limit or fault error too, holding the
// output and statistics collected until the run was stopped.
type Result struct {
	// ExitStatus is the guest's exit_group status (a Go panic exits 2).
	ExitStatus int
	// Stdout and Stderr are the bytes the guest wrote to descriptors 1 and 2.
	Stdout, Stderr []byte
	// Files[i] is the final content of Config.Files[i] when that is a
	// write-only descriptor without a Host file, and nil otherwise.
	Files [][]byte
	// Stats describes the run.
	Stats Stats
}

// Stats counts what happened during a run.
type Stats struct {
	// Setup is the time from the start of Run to the guest's first
	// instruction (opening KVM, mapping memory, loading the executable).
	Setup time.Duration
	// Run is the time from the guest's first instruction to its exit.
	Run time.Duration
	// Exits counts VM exits by kind.
	Exits map[ExitKind]int64
	// Syscalls counts the guest's syscalls by number, emulated or refused.
	Syscalls map[Syscall]int64
	// Refused counts the syscalls answered ENOSYS, by number.
	Refused map[Syscall]int64
	// VCPUs is the number of vCPUs (guest threads) created.
	VCPUs int
	// Memory is the guest memory backed when the run ended, in bytes.
	Memory int64
	// Start says where the guest started from.
	Start Start
}

// Start is where a run's guest started from.
type Start int

// Where a guest starts.
const (
	// StartFresh is the executable's entry point.
	StartFresh Start = iota
	// StartSnapshot is a snapshot this process took (Config.Snapshot).
	StartSnapshot
	// StartSnapshotFile is a snapshot read from Config.SnapshotDir.
	StartSnapshotFile
)

// String returns "fresh", "snapshot" or "snapshot-file".
func (s Start) String() string {
	switch s {
	case StartFresh:
		return "fresh"
	case StartSnapshot:
		return "snapshot"
	case StartSnapshotFile:
		return "snapshot-file"
	}
	return fmt.Sprintf("Start(%d)", int(s))
}

// MarshalText returns the start's String.
func (s Start) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ExitKind classifies a VM exit.
type ExitKind int

// The kinds of VM exit.
const (
	// ExitSyscall is a syscall instruction of the guest.
	ExitSyscall ExitKind = iota
	// ExitPageFault is a page fault that backed guest memory on demand.
	ExitPageFault
	// ExitException is a CPU exception that ended the run.
	ExitException
	// ExitInterrupted is a KVM_RUN interrupted by a host signal.
	ExitInterrupted
	// ExitOther is any other exit (shutdown, failed entry, MMIO, …).
	ExitOther
	numExitKinds
)

var exitKindNames = [numExitKinds]string{
	ExitSyscall:     "syscall",
	ExitPageFault:   "page-fault",
	ExitException:   "exception",
	ExitInterrupted: "interrupted",
	ExitOther:       "other",
}

// String returns the kind's short name, such as "syscall".
func (k ExitKind) String() string {
	if k >= 0 && k < numExitKinds {
		return exitKindNames[k]
	}
	return fmt.Sprintf("ExitKind(%d)", int(k))
}

// MarshalText returns the kind's String, so Stats marshal to readable JSON.
func (k ExitKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }
