// Package vmm runs a static linux/amd64 Go executable inside a throw-away KVM
// virtual machine that has no guest kernel.
//
// The guest program runs unmodified in 64-bit long mode at CPL3. Every
// syscall instruction and every CPU exception it raises becomes a VM exit
// that this package emulates on the host: memory (mmap and friends), threads
// (each clone becomes a new vCPU), futexes, time, the Go netpoller's epoll
// and eventfd, and reads and writes on a handful of descriptors the caller
// hands in. Nothing else exists for the guest: openat answers ENOENT and
// every other syscall answers ENOSYS (and is counted), so the guest can
// compute and use the descriptors it was given, and nothing more.
//
// Run is the whole API:
//
//	res, err := vmm.Run(ctx, vmm.Config{
//		Path:  "/path/to/static-go-program",
//		Args:  []string{"prog", "-flag"},
//		Stdin: request,
//		Files: []vmm.File{
//			{Mode: vmm.ReadOnly, Host: backing},                  // fd 3
//			{Mode: vmm.WriteOnly, Host: output, MaxSize: 1 << 30}, // fd 4
//		},
//	})
//
// Hard limits (guest memory, vCPUs, wall time, bytes written, stdout and
// stderr size) end the run with a typed error; a guest crash is a
// *GuestFault naming the vector and addresses. Every error can be told apart
// with errors.Is (ErrKVMUnavailable, ErrNotStaticELF, ErrGuestFault,
// ErrTimeLimit, ErrMemoryLimit, ErrOutputLimit, ErrInvalidConfig).
//
// The package refuses: dynamically linked or PIE executables, other
// architectures, file-backed mmap, signal delivery (handlers are recorded,
// never called), opening any path, processes, sockets and every other
// kernel service. It knows nothing about what the guest computes.
//
// Config.Snapshot restores later runs of the same executable from a
// snapshot taken at its first use of a descriptor, which skips the Go
// runtime's start-up.
//
// It needs /dev/kvm (read-write) and the KVM_CAP_SYNC_REGS capability. See
// docs/sandbox.md for the design, the limits and the threat model.
package vmm
