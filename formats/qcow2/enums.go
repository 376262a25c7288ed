package qcow2

import "fmt"

// CompressionType is the header's compression_type byte (offset 104).
type CompressionType uint8

// Compression types qemu-img 7.2 knows.
const (
	CompressionZlib CompressionType = 0
	CompressionZstd CompressionType = 1
)

// String returns qemu's name, as in the compression_type option and
// `qemu-img info`.
func (c CompressionType) String() string {
	switch c {
	case CompressionZlib:
		return "zlib"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("compression-type-%d", uint8(c))
}

// MarshalText makes the JSON form match qemu-img info.
func (c CompressionType) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ParseCompressionType parses the compression_type option value.
func ParseCompressionType(s string) (CompressionType, error) {
	switch s {
	case "zlib":
		return CompressionZlib, nil
	case "zstd":
		return CompressionZstd, nil
	}
	return 0, fmt.Errorf("%w: compression_type %q: use zlib or zstd", ErrInvalidOption, s)
}

// CryptMethod is the header's crypt_method field (offset 32).
type CryptMethod uint32

// Encryption methods of the qcow2 specification.
const (
	CryptNone CryptMethod = 0
	CryptAES  CryptMethod = 1
	CryptLUKS CryptMethod = 2
)

// String returns the method's name ("none", "aes", "luks").
func (c CryptMethod) String() string {
	switch c {
	case CryptNone:
		return "none"
	case CryptAES:
		return "aes"
	case CryptLUKS:
		return "luks"
	}
	return fmt.Sprintf("crypt-method-%d", uint32(c))
}

// Compat is the qcow2 compatibility level: 0.10 writes a version 2 header,
// 1.1 a version 3 header.
type Compat uint8

// Compatibility levels; the zero value is qemu-img's default, 1.1.
const (
	Compat11  Compat = 0 // version 3 header
	Compat010 Compat = 1 // version 2 header
)

// String returns the option value qemu-img uses ("1.1" or "0.10").
func (c Compat) String() string {
	if c == Compat010 {
		return "0.10"
	}
	return "1.1"
}

// MarshalText makes the JSON form match qemu-img info.
func (c Compat) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Version returns the header version the level writes.
func (c Compat) Version() uint32 {
	if c == Compat010 {
		return 2
	}
	return 3
}

// ParseCompat parses the compat option; qemu accepts "0.10"/"v2" and
// "1.1"/"v3".
func ParseCompat(s string) (Compat, error) {
	switch s {
	case "0.10", "v2":
		return Compat010, nil
	case "1.1", "v3":
		return Compat11, nil
	}
	return 0, fmt.Errorf("%w: compat %q: use 0.10 or 1.1", ErrInvalidOption, s)
}

// Preallocation is the preallocation option.
type Preallocation uint8

// Preallocation modes of qemu-img create -f qcow2.
const (
	PreallocOff      Preallocation = iota // only the header, refcount and L1 tables
	PreallocMetadata                      // also every L2 table, pointing at sparse data clusters
	PreallocFalloc                        // metadata, and the host allocates the data area
	PreallocFull                          // metadata, and the host writes zeros to the data area
)

// String returns the option value qemu-img uses.
func (p Preallocation) String() string {
	switch p {
	case PreallocOff:
		return "off"
	case PreallocMetadata:
		return "metadata"
	case PreallocFalloc:
		return "falloc"
	case PreallocFull:
		return "full"
	}
	return fmt.Sprintf("preallocation-%d", uint8(p))
}

// ParsePreallocation parses the preallocation option value.
func ParsePreallocation(s string) (Preallocation, error) {
	for p := PreallocOff; p <= PreallocFull; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: preallocation %q: use off, metadata, falloc or full", ErrInvalidOption, s)
}
