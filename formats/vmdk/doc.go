// Package vmdk reads and plans VMware VMDK virtual disks (VMware "Virtual
// Disk Format 5.0"), the format qemu-img calls "vmdk".
//
// Parse reads a hosted sparse extent — the 512-byte header ("KDMV",
// version 1–3), the streamOptimized footer and end-of-stream marker when
// the header defers to them, and the embedded text descriptor — or a
// stand-alone descriptor file (monolithicFlat, twoGbMaxExtent*, vmfs …),
// whose virtual size is the sum of its extent lines. It reads from an
// io.ReaderAt of known size, at most about 1 MiB whatever the image
// claims, and never opens a file: extent and parent names are data,
// returned in Info and flagged in Image.Warnings when they are absolute or
// leave the directory. Every problem is a *FormatError naming the byte
// offset and wrapping ErrNotVMDK, ErrCorrupt or ErrUnsupported.
// ParseSparseExtent reads one extent file of a multi-file VMDK on its own,
// for a caller that chose to open it.
//
// PlanImage is a pure emitter: Options in, a *Plan out that describes every
// byte of a monolithicSparse or streamOptimized image exactly as qemu-img
// 7.2 `create -f vmdk` lays it out (header, descriptor with the DDB
// geometry, both grain directories, the pre-allocated zero grain tables),
// honouring adapter_type, hwversion, compat6, toolsversion, zeroed_grain
// and a parent (parentCID and parentFileNameHint). The grain directories
// are generated while written (Extent.Fill).
//
// What the package refuses or leaves out:
//   - Multi-file output (monolithicFlat, twoGbMaxExtentSparse,
//     twoGbMaxExtentFlat): ErrMultiFile.
//   - Sizes qemu-img mis-writes: 0 (qemu cannot reopen it) and above
//     MaxVirtualSize (its 32-bit grain count wraps): refused.
//   - VMDK3 "COWD" and seSparse extents are recognised, not parsed.
//   - It reads no grain table or data: it describes an image, it is not a
//     block device; a descriptor file's SPARSE extents are not opened, so
//     their grain size is unknown (Info.ClusterSize 0) unless the caller
//     reads each with ParseSparseExtent.
package vmdk
