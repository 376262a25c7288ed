// Package info composes the format libraries into what `qemu-img info`
// shows, and renders it byte for byte as qemu-img 7.2 does.
//
// The work is split along the sandbox boundary:
//
//   - [Inspect] runs on the untrusted image (inside the guest, or in-process
//     with --sandbox=none). It probes the format as qemu-img does, or parses
//     the one format it is told, and returns an [Image]: a small, bounded,
//     JSON-encodable description.
//   - The host decodes that Image, calls [Image.Validate], adds what only the
//     host knows (the filename as typed, the allocation from stat) in an
//     [Entry], and renders with [WriteHuman] or [WriteJSON].
//
// The package never opens a file. Backing files and VMDK extent files are
// names in the Image; [FullBackingFilename] and [Image.ExtentFiles] say which
// host paths qemu-img would use for them, and the caller decides whether to
// open them. A descriptor's sparse extent files are parsed like images, in
// the sandbox, through [Image.CompleteExtents].
//
// It refuses to guess: a file that looks like a format qemu-img knows but
// instar does not (qcow version 1, QED, VDI, LUKS, …) is an error, not "raw";
// so is an image with something qemu-img shows that instar cannot read yet
// (qcow2 snapshots, bitmaps, encryption), rather than a description that
// silently leaves it out.
// Human output escapes control and other non-printable characters from
// image bytes; qemu-img prints them raw (see docs/info.md).
package info
