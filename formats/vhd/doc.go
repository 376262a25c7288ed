// Package vhd reads and plans Microsoft Virtual Hard Disk (VHD) images, the
// format qemu calls "vpc".
//
// It parses the hard disk footer (the copy at offset 0 of dynamic and
// differencing disks, or the only copy in the last 512 bytes of a fixed
// disk), the dynamic disk header and, for differencing disks, the parent
// identity and parent locators. Parse reads from an io.ReaderAt only; every
// offset, length and count taken from the file is bounded by the file size
// before it is used, so a hostile image costs a few small reads and a
// typed *FormatError.
//
// PlanImage is a pure emitter: it describes, byte for byte, the fixed and
// dynamic images qemu-img 7.2 writes (including its CHS geometry rounding
// and force_size), and differencing children that qemu-img cannot create.
// The caller writes the plan.
//
// The package refuses, rather than guesses: virtual sizes above qemu's
// 2040 GiB limit, tables that point outside the file, and parent paths
// that Windows could not use. It is stricter than qemu-img 7.2 in three
// places, all of which qemu ignores: disk types other than fixed, dynamic
// and differencing; a dynamic header with a wrong checksum; and parent
// locators that point outside the file. It never opens a file, the
// parent named by a differencing disk included.
package vhd
