package vmm

import "encoding/binary"

// Guest structures are little-endian; these keep syscall code short.

func le64(x uint64) []byte       { return binary.LittleEndian.AppendUint64(nil, x) }
func leUint64(b []byte) uint64   { return binary.LittleEndian.Uint64(b) }
func putLE64(b []byte, x uint64) { binary.LittleEndian.PutUint64(b, x) }
func putLE32(b []byte, x uint32) { binary.LittleEndian.PutUint32(b, x) }
func leUint32(b []byte) uint32   { return binary.LittleEndian.Uint32(b) }
