package create

// Format is a disk image format, by qemu's name for it.
type Format string

// The formats instar creates and reads.
const (
	Raw   Format = "raw"
	Qcow2 Format = "qcow2"
	VMDK  Format = "vmdk"
	VPC   Format = "vpc" // VHD; qemu calls the driver "vpc"
	VHDX  Format = "vhdx"
)

// Formats lists every format in a fixed order (the order -o help and error
// messages use).
var Formats = []Format{Raw, Qcow2, VMDK, VPC, VHDX}

// String returns qemu's name of the format.
func (f Format) String() string { return string(f) }

// ParseFormat returns the format named by s (qemu's names), or an
// UnsupportedFormat error in qemu-img's wording.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", newError(UnsupportedFormat, "Unknown file format '"+s+"'")
}
