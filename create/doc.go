// Package create composes instar's format libraries into `qemu-img create`.
//
// It holds the one option model shared by every target (raw, qcow2, vmdk,
// vpc, vhdx), the parser for qemu-img's `-o key=value,…` lists and its size
// grammar, format detection across the four format packages, the backing
// lookup (virtual size and parent identity of a backing file, read from its
// bytes), the ceiling table (the largest virtual size each target accepts
// for its options), the stable numbered error codes shared by host and guest,
// and the code that writes a format package's plan to an io.WriterAt in
// bounded memory.
//
// The entry point [Create] takes a [Request] (the user's flags as typed), an
// optional backing io.ReaderAt and an output io.WriterAt. It opens no file,
// resolves no path and runs no program, so the same function serves library
// users, `--sandbox=none`, and the KVM guest, where every byte of the backing
// is untrusted. Host-only helpers live in their own files and are named for
// it: [Preallocate] (fallocate with a zero-fill fallback), [AtomicFile]
// (temporary file beside the target, fsync, rename) and [CreateFile], which
// strings them together in-process.
//
// The package refuses what it cannot do faithfully rather than guess: keys of
// another format, option combinations qemu-img rejects, encryption and
// external data files (not implemented), multi-file VMDK subformats (the
// output is a single file), a backing whose bytes match two formats, and a
// differencing VHD/VHDX as a backing. Every refusal carries a [Code].
package create
