// Package qcow2 reads and plans QEMU copy-on-write version 2 and 3 images
// ("qcow2"), the way qemu-img 7.2 does.
//
// Reading: [Detect] recognises the magic, [Parse] decodes the header, its
// extensions and the backing file name from an [io.ReaderAt], and
// [Image.Info] summarises what `qemu-img info` shows. Every offset, length
// and count read from the file is bounded (with qemu's own caps: L1 table
// ≤ 32 MiB, refcount table ≤ 8 MiB, backing name ≤ 1023 bytes) before it
// sizes anything; malformed input yields a [*FormatError] naming the byte
// offset. Parse never follows the backing file or external data file names
// it reads: they are data for the caller to judge.
//
// Writing: [PlanImage] turns [Options] into a [Plan], a description of every
// byte of a new image that reproduces qemu-img 7.2's layout cluster for
// cluster. Large regular regions (L2 tables, refcount blocks) are generators,
// so multi-TiB preallocated metadata is described in bounded memory: the
// plan holds a few dozen bytes per L2 table and refcount block, never their
// contents (4 TiB with preallocation=metadata at 64 KiB clusters is 512 MiB
// of L2 tables and about 3 MiB of plan). The package does no file I/O.
//
// Refused: external data files (data_file) and encryption (encrypt.*) are
// not supported by PlanImage; Parse reports them but does not interpret the
// encryption header. Snapshot tables and bitmaps are counted, not decoded.
package qcow2
