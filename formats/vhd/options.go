package vhd

import (
	"fmt"
	"time"
)

// Subformat is qemu-img's vpc "subformat" option.
type Subformat int

// Subformats. The zero value is qemu's default, dynamic.
const (
	SubformatDynamic Subformat = iota
	SubformatFixed
)

// String returns the option value qemu-img takes.
func (s Subformat) String() string {
	switch s {
	case SubformatDynamic:
		return "dynamic"
	case SubformatFixed:
		return "fixed"
	}
	return fmt.Sprintf("Subformat(%d)", int(s))
}

// ParseSubformat parses a subformat=VALUE option the way qemu-img does
// (case-sensitive).
func ParseSubformat(v string) (Subformat, error) {
	switch v {
	case "dynamic":
		return SubformatDynamic, nil
	case "fixed":
		return SubformatFixed, nil
	}
	return 0, fmt.Errorf("%w: parameter 'subformat' does not accept value '%s' (use dynamic, the default, or fixed)", ErrInvalidOption, v)
}

// SubformatValues lists the values subformat accepts, default first.
func SubformatValues() []string { return []string{"dynamic", "fixed"} }

// Names of the -o options qemu-img 7.2 lists for vpc.
const (
	OptionSize      = "size"
	OptionSubformat = "subformat"
	OptionForceSize = "force_size"
)

// FileOptionNames are the other keys qemu-img 7.2's "-o help" lists for
// vpc. They belong to the file (protocol) layer and do not change the
// bytes PlanImage describes.
func FileOptionNames() []string { return []string{"extent_size_hint", "nocow", "preallocation"} }

// ParseForceSize parses a force_size=VALUE option as qemu-img 7.2 parses
// booleans: "on", "yes", "true", "y" and "off", "no", "false", "n", lower
// case only.
func ParseForceSize(v string) (bool, error) {
	switch v {
	case "on", "yes", "true", "y":
		return true, nil
	case "off", "no", "false", "n":
		return false, nil
	}
	return false, fmt.Errorf("%w: parameter 'force_size' expects 'on' or 'off', not '%s'", ErrInvalidOption, v)
}

// Options describe an image for PlanImage.
type Options struct {
	// Size is the requested virtual size in bytes. It is rounded up to a
	// sector and, unless ForceSize, up to a CHS geometry, as qemu-img
	// does. With a Parent, 0 means the parent's size.
	Size      int64
	Subformat Subformat
	// ForceSize keeps the exact size (creator "qem2") instead of
	// rounding to a CHS geometry (creator "qemu").
	ForceSize bool
	// UUID is the new image's identifier; nil draws a random one.
	UUID *UUID
	// Time is the footer time stamp; the zero value means now.
	Time time.Time
	// Parent makes a differencing disk (type 4) instead.
	Parent *Parent
}

// Parent describes the parent of a differencing disk.
type Parent struct {
	// Info is the parent's parsed Info: its UUID, time stamp, size and
	// geometry are recorded in the child.
	Info Info
	// Name is stored as the Parent Unicode Name, exactly as typed.
	Name string
	// RelativePath, relative to the child's directory, is stored as a
	// W2ru locator (".\" prefix, backslashes); empty omits it.
	RelativePath string
	// AbsolutePath is stored as a W2ku locator (backslashes); empty
	// omits it.
	AbsolutePath string
}
