// Package vhdx reads and plans Microsoft VHDX virtual disk images
// (MS-VHDX 1.0), the format qemu-img calls "vhdx".
//
// Parse walks an image the way the specification prescribes: the file type
// identifier, both headers (CRC-32C, the active one chosen by sequence
// number), both region tables (CRC-32C), the metadata table and its items —
// file parameters, virtual disk size, logical and physical sector size,
// virtual disk identifier and, for a differencing disk, the parent locator.
// It reads from an io.ReaderAt of known size and never opens a file, not
// even the parent a locator names. Every offset, length and count it reads
// is checked against the structure that holds it and against the file size
// before use; it holds about 1.3 MiB at most whatever the image claims.
// Problems are *FormatError values that wrap ErrNotVHDX, ErrCorrupt or
// ErrUnsupported and name the byte offset. Damage the format is designed to
// survive (one bad header or region table copy) is reported in
// Image.Warnings instead.
//
// PlanImage is a pure emitter: Options in, a *Plan out that describes every
// byte of a new image as qemu-img 7.2 would write it — same layout, same
// default block size for each virtual size, same option rounding and
// limits — or a differencing child of a VHDX parent, which qemu-img cannot
// make. Large BATs are generated while written (Extent.Fill), so planning a
// 64 TiB image takes constant memory.
//
// What the package refuses or leaves out:
//   - It never replays a log. An image whose log holds entries of the
//     current log GUID is parsed and flagged (Image.LogNeedsReplay); its
//     metadata may be stale until a writer replays the log.
//   - Parse does not read the BAT or any payload: it describes an image, it
//     is not a block device. Image.BlockEntry reads one BAT entry, and
//     Image.CheckBAT streams the whole BAT through the checks qemu-img makes
//     on open (blocks inside the file, clear of the metadata).
//   - Unknown regions or metadata items marked required make Parse fail
//     with ErrUnsupported, as the specification demands.
//   - It plans 512-byte logical and physical sectors only, as qemu-img does.
//
// Where Parse is more accepting than qemu-img 7.2, deliberately, because
// the specification allows it: it reads differencing images and 4096-byte
// logical sectors (qemu-img says "Operation not supported"), and it falls
// back to the second region table when the first is damaged (qemu-img only
// reads the first). Callers that need qemu-img's verdict check
// Info.DiskType, Image.LogicalSectorSize and Image.Warnings, and call
// CheckBAT.
package vhdx
