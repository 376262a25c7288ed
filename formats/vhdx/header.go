package vhdx

import "encoding/binary"

// Header is one of the two VHDX headers (MS-VHDX 2.2.2). The one with the
// larger sequence number among those with a valid checksum is active.
type Header struct {
	// SequenceNumber orders the two copies; the larger is current.
	SequenceNumber uint64
	// FileWriteGUID changes on the first write to the file in a session.
	FileWriteGUID GUID
	// DataWriteGUID changes on the first write to the virtual disk's data.
	// A differencing child records its parent's DataWriteGUID as
	// parent_linkage and is valid only while the two still match.
	DataWriteGUID GUID
	// LogGUID is zero when the log is empty; otherwise only log entries
	// carrying this GUID are valid and the log must be replayed before
	// the image is used.
	LogGUID GUID
	// LogVersion is 0, the only log version defined.
	LogVersion uint16
	// Version is 1, the only header version defined.
	Version uint16
	// LogLength is the length of the log in bytes (a multiple of 1 MiB).
	LogLength uint32
	// LogOffset is the byte offset of the log (a multiple of 1 MiB).
	LogOffset uint64
}

// decodeHeader reads the fields of a 4 KiB header block whose signature and
// checksum the caller has verified.
func decodeHeader(b []byte) Header {
	h := Header{
		SequenceNumber: binary.LittleEndian.Uint64(b[hdrSequenceOff:]),
		LogVersion:     binary.LittleEndian.Uint16(b[hdrLogVersionOff:]),
		Version:        binary.LittleEndian.Uint16(b[hdrVersionOff:]),
		LogLength:      binary.LittleEndian.Uint32(b[hdrLogLengthOff:]),
		LogOffset:      binary.LittleEndian.Uint64(b[hdrLogOffsetOff:]),
	}
	copy(h.FileWriteGUID[:], b[hdrFileWriteGUIDOff:])
	copy(h.DataWriteGUID[:], b[hdrDataWriteGUIDOff:])
	copy(h.LogGUID[:], b[hdrLogGUIDOff:])
	return h
}

// encode returns the used prefix of the 4 KiB header block, checksum
// included; the rest of the block is zero and the checksum covers it.
func (h Header) encode() []byte {
	b := make([]byte, headerSize)
	copy(b[hdrSignatureOff:], headerSignature)
	binary.LittleEndian.PutUint64(b[hdrSequenceOff:], h.SequenceNumber)
	copy(b[hdrFileWriteGUIDOff:], h.FileWriteGUID[:])
	copy(b[hdrDataWriteGUIDOff:], h.DataWriteGUID[:])
	copy(b[hdrLogGUIDOff:], h.LogGUID[:])
	binary.LittleEndian.PutUint16(b[hdrLogVersionOff:], h.LogVersion)
	binary.LittleEndian.PutUint16(b[hdrVersionOff:], h.Version)
	binary.LittleEndian.PutUint32(b[hdrLogLengthOff:], h.LogLength)
	binary.LittleEndian.PutUint64(b[hdrLogOffsetOff:], h.LogOffset)
	binary.LittleEndian.PutUint32(b[hdrChecksumOff:], checksum(b, hdrChecksumOff))
	return b[:hdrUsedBytes]
}
