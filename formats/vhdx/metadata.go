package vhdx

import "encoding/binary"

// MetadataEntry is one entry of the metadata table (MS-VHDX 2.6.1.2): where
// in the metadata region an item lives and how a reader must treat it.
type MetadataEntry struct {
	// ItemID identifies the item; system items are listed in MS-VHDX 2.6.2.
	ItemID GUID
	// Offset is the item's byte offset from the start of the metadata
	// region (at least 64 KiB unless Length is 0).
	Offset uint32
	// Length is the item's length in bytes (at most 1 MiB).
	Length uint32
	// IsUser marks a user item; user and system items have separate
	// namespaces.
	IsUser bool
	// IsVirtualDisk marks an item that belongs to the virtual disk rather
	// than to this file (it is copied when the disk is converted).
	IsVirtualDisk bool
	// IsRequired means a reader that does not know ItemID must refuse the
	// file.
	IsRequired bool
}

func decodeMetadataEntry(b []byte) MetadataEntry {
	flags := binary.LittleEndian.Uint32(b[mteFlagsOff:])
	e := MetadataEntry{
		Offset:        binary.LittleEndian.Uint32(b[mteOffsetOff:]),
		Length:        binary.LittleEndian.Uint32(b[mteLengthOff:]),
		IsUser:        flags&metaIsUser != 0,
		IsVirtualDisk: flags&metaIsVirtualDisk != 0,
		IsRequired:    flags&metaIsRequired != 0,
	}
	copy(e.ItemID[:], b[mteItemIDOff:])
	return e
}

// encodeMetadataTable returns the used prefix of the 64 KiB metadata table.
func encodeMetadataTable(entries []MetadataEntry) []byte {
	b := make([]byte, mtHeaderSize+len(entries)*mtEntrySize)
	copy(b[mtSignatureOff:], metadataSignature)
	binary.LittleEndian.PutUint16(b[mtEntryCountOff:], uint16(len(entries)))
	for i, m := range entries {
		e := b[mtHeaderSize+i*mtEntrySize:]
		copy(e[mteItemIDOff:], m.ItemID[:])
		binary.LittleEndian.PutUint32(e[mteOffsetOff:], m.Offset)
		binary.LittleEndian.PutUint32(e[mteLengthOff:], m.Length)
		var flags uint32
		if m.IsUser {
			flags |= metaIsUser
		}
		if m.IsVirtualDisk {
			flags |= metaIsVirtualDisk
		}
		if m.IsRequired {
			flags |= metaIsRequired
		}
		binary.LittleEndian.PutUint32(e[mteFlagsOff:], flags)
	}
	return b
}
