package vhd

// FormatName is qemu's name for the format.
const FormatName = "vpc"

// SectorSize is the unit of every VHD size and offset.
const SectorSize = 512
