package vhdx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FormatName is qemu's name for the format.
const FormatName = "vhdx"

// Limits of qemu-img 7.2's vhdx driver, which PlanImage enforces and which
// a caller validating `-o` options should use.
const (
	// MaxVirtualSize is the largest virtual size qemu-img accepts for vhdx
	// (64 TiB), whatever the other options; one 512-byte sector more is
	// refused ("Image size too large; max of 64TB").
	MaxVirtualSize = 64 << 40

	// MinBlockSize and MaxBlockSize bound block_size. qemu-img rounds a
	// requested value up to a multiple of 1 MiB, clamps it to
	// MaxBlockSize, and refuses a result that is not a power of two.
	MinBlockSize = 1 * mib
	MaxBlockSize = 256 * mib

	// MinLogSize and MaxLogSize bound log_size after qemu-img rounds it up
	// to a multiple of 1 MiB; DefaultLogSize is used when it is not given.
	MinLogSize     = 1 * mib
	MaxLogSize     = 4095 * mib
	DefaultLogSize = 1 * mib

	// DefaultCreator is written as the creator string when Options.Creator
	// is empty.
	DefaultCreator = "instar"
)

// Subformat is qemu-img's vhdx subformat option.
type Subformat uint8

// Subformats.
const (
	// SubformatDynamic allocates payload blocks on write (the default).
	SubformatDynamic Subformat = iota
	// SubformatFixed makes every payload block present: the file is as
	// large as the virtual disk (sparse, all zeros) and the file
	// parameters have LeaveBlocksAllocated set.
	SubformatFixed
)

func (s Subformat) String() string {
	switch s {
	case SubformatDynamic:
		return "dynamic"
	case SubformatFixed:
		return "fixed"
	}
	return fmt.Sprintf("Subformat(%d)", uint8(s))
}

// MarshalText returns the String form.
func (s Subformat) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSubformat parses the value of `-o subformat=`.
func ParseSubformat(s string) (Subformat, error) {
	switch s {
	case "dynamic":
		return SubformatDynamic, nil
	case "fixed":
		return SubformatFixed, nil
	}
	return 0, &OptionError{Option: "subformat", Value: s, Msg: "must be 'dynamic' or 'fixed'", Err: ErrInvalidOption}
}

// Options describe a new VHDX image. The zero value of every field means
// what qemu-img 7.2 does when the option is not given.
type Options struct {
	// Size is the virtual size in bytes. It is rounded up to a multiple
	// of 512 and must not exceed MaxVirtualSize.
	Size uint64

	// BlockSize is `-o block_size`: 0 chooses DefaultBlockSize(Size);
	// other values are rounded and clamped as ResolveBlockSize says.
	BlockSize uint64

	// LogSize is `-o log_size`: 0 means DefaultLogSize; other values are
	// rounded as ResolveLogSize says.
	LogSize uint64

	// BlockStateZero is `-o block_state_zero`: nil means qemu's default,
	// on, except for a differencing child, where it means off. When on,
	// every payload block is recorded as zero (BAT state 2) instead of
	// not present; for a fixed image this also means the blocks carry no
	// file offset, exactly as qemu-img writes them.
	BlockStateZero *bool

	// Subformat is `-o subformat`.
	Subformat Subformat

	// Parent, when set, makes a differencing child of a VHDX parent. qemu
	// cannot create these; vhdiinfo reads them.
	Parent *Parent

	// FileWriteGUID, DataWriteGUID and DiskID (the Page 83 identifier) are
	// drawn from Rand when zero. Set them for reproducible output.
	FileWriteGUID GUID
	DataWriteGUID GUID
	DiskID        GUID

	// SequenceNumber is the sequence number of header 1 (header 2 gets the
	// next one, and is active). 0 draws a random 32-bit value from Rand,
	// as qemu does.
	SequenceNumber uint64

	// Creator is the creator string; "" means DefaultCreator. At most 256
	// UTF-16 code units, no NUL.
	Creator string

	// Rand is the source of random GUIDs and sequence number; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// Parent identifies the parent of a differencing child. At least one path
// is required; all given paths are stored.
type Parent struct {
	// DataWriteGUID is the parent's active DataWriteGuid (Info of the
	// parent); it is stored as parent_linkage.
	DataWriteGUID GUID
	// RelativePath is the parent's path relative to the child's
	// directory, "/" or "\" separated; it is stored as relative_path with
	// "\" separators. An absolute path is refused.
	RelativePath string
	// AbsoluteWin32Path is an absolute Windows path ("d:\dir\parent.vhdx",
	// "\\server\share\parent.vhdx" or "\\?\d:\dir\parent.vhdx"), stored
	// as absolute_win32_path. A POSIX absolute path has no such form and
	// is refused.
	AbsoluteWin32Path string
	// VolumePath is a "\\?\Volume{GUID}\..." path, stored as volume_path.
	VolumePath string
}

// DefaultBlockSize returns the block size qemu-img 7.2 chooses for a
// virtual size when block_size is 0: 8 MiB up to 1 GiB, 16 MiB up to
// 100 GiB, 32 MiB up to 32 TiB, 64 MiB above.
func DefaultBlockSize(virtualSize uint64) uint32 {
	switch {
	case virtualSize > 32<<40:
		return 64 * mib
	case virtualSize > 100<<30:
		return 32 * mib
	case virtualSize > 1<<30:
		return 16 * mib
	}
	return 8 * mib
}

// roundUpMiB rounds v up to a multiple of 1 MiB in 64-bit arithmetic,
// wrapping to 0 on overflow as qemu's ROUND_UP does.
func roundUpMiB(v uint64) uint64 { return (v + mib - 1) &^ (mib - 1) }

// ResolveBlockSize returns the block size qemu-img 7.2 uses for
// `-o block_size=v` and a virtual size: v is rounded up to a multiple of
// 1 MiB, 0 means DefaultBlockSize, values above MaxBlockSize become
// MaxBlockSize, and the result must be a power of two.
func ResolveBlockSize(v, virtualSize uint64) (uint32, error) {
	r := roundUpMiB(v)
	switch {
	case r == 0:
		return DefaultBlockSize(virtualSize), nil
	case r > MaxBlockSize:
		return MaxBlockSize, nil
	case bits.OnesCount64(r) != 1:
		return 0, &OptionError{Option: "block_size", Value: strconv.FormatUint(v, 10),
			Msg: fmt.Sprintf("block size must be a power of two (rounded up to 1 MiB it is %d); use 1M, 2M, 4M, ... 256M", r), Err: ErrInvalidOption}
	}
	return uint32(r), nil
}

// ResolveLogSize returns the log size qemu-img 7.2 uses for an explicit
// `-o log_size=v`: v is rounded up to a multiple of 1 MiB and must then
// lie in MinLogSize..MaxLogSize (so an explicit 0 is refused).
func ResolveLogSize(v uint64) (uint32, error) {
	r := roundUpMiB(v)
	if r < MinLogSize || r > MaxLogSize {
		return 0, &OptionError{Option: "log_size", Value: strconv.FormatUint(v, 10),
			Msg: fmt.Sprintf("log size must be from 1 MiB to %d MiB (it is rounded up to a multiple of 1 MiB)", MaxLogSize/mib), Err: ErrInvalidOption}
	}
	return uint32(r), nil
}

// resolved is Options after defaults, rounding and checks.
type resolved struct {
	size      uint64
	blockSize uint32
	logSize   uint32
	zero      bool
	fixed     bool
	locator   *ParentLocator
	creator   string
}

// Validate reports every problem with the options at once (errors.Join of
// *OptionError values), or nil. PlanImage accepts exactly the options
// Validate accepts.
func (o Options) Validate() error {
	_, err := o.resolve()
	return err
}

func (o Options) resolve() (resolved, error) {
	var errs []error
	var r resolved
	if o.Size > MaxVirtualSize {
		errs = append(errs, &OptionError{Option: "size", Value: strconv.FormatUint(o.Size, 10),
			Msg: fmt.Sprintf("image size too large; the vhdx maximum is 64 TiB (%d bytes)", uint64(MaxVirtualSize)), Err: ErrTooLarge})
	} else {
		r.size = (o.Size + 511) &^ 511
	}
	var err error
	if r.blockSize, err = ResolveBlockSize(o.BlockSize, r.size); err != nil {
		errs = append(errs, err)
	}
	r.logSize = DefaultLogSize
	if o.LogSize != 0 {
		if r.logSize, err = ResolveLogSize(o.LogSize); err != nil {
			errs = append(errs, err)
		}
	}
	switch o.Subformat {
	case SubformatDynamic:
	case SubformatFixed:
		r.fixed = true
	default:
		errs = append(errs, &OptionError{Option: "subformat", Value: o.Subformat.String(), Msg: "must be 'dynamic' or 'fixed'", Err: ErrInvalidOption})
	}
	r.zero = o.BlockStateZero == nil || *o.BlockStateZero
	if o.Parent != nil {
		if r.fixed {
			errs = append(errs, &OptionError{Option: "subformat", Value: "fixed", Msg: "a differencing child must be dynamic", Err: ErrInvalidOption})
		}
		if o.BlockStateZero != nil && *o.BlockStateZero {
			errs = append(errs, &OptionError{Option: "block_state_zero", Value: "on",
				Msg: "zero blocks would hide the parent's data; leave it unset or off for a differencing child", Err: ErrInvalidOption})
		}
		r.zero = false
		var perrs []error
		r.locator, perrs = o.Parent.locator()
		errs = append(errs, perrs...)
	}
	r.creator = o.Creator
	if r.creator == "" {
		r.creator = DefaultCreator
	}
	if n := len(utf16LE(r.creator)) / 2; n > maxCreatorUnits || strings.ContainsRune(r.creator, 0) || !utf8.ValidString(r.creator) {
		errs = append(errs, &OptionError{Option: "creator", Value: strconv.Quote(r.creator),
			Msg: fmt.Sprintf("must be valid UTF-8 without NUL, at most %d UTF-16 code units", maxCreatorUnits), Err: ErrInvalidOption})
	}
	return r, errors.Join(errs...)
}

// maxLocatorString is the longest key or value a parent locator entry can
// describe: its length field is 16 bits of bytes.
const maxLocatorString = math.MaxUint16 - 1

// locator builds the parent locator item, reporting every path that cannot
// be stored.
func (p *Parent) locator() (*ParentLocator, []error) {
	var errs []error
	bad := func(opt, val, msg string, class error) {
		errs = append(errs, &OptionError{Option: opt, Value: strconv.Quote(val), Msg: msg, Err: class})
	}
	if p.DataWriteGUID.IsZero() {
		bad("parent.data_write_guid", p.DataWriteGUID.String(), "the parent's DataWriteGUID is required (read it with Parse and Info)", ErrInvalidOption)
	}
	l := &ParentLocator{Type: vhdxLocatorType, Entries: []KeyValue{
		{KeyParentLinkage, "{" + p.DataWriteGUID.String() + "}"},
	}}
	add := func(opt, key, val string, check func(string) string) {
		if val == "" {
			return
		}
		win := strings.ReplaceAll(val, "/", `\`)
		switch {
		case !utf8.ValidString(val) || strings.ContainsRune(val, 0):
			bad(opt, val, "a path must be valid UTF-8 without NUL", ErrPathNotRepresentable)
		case len(utf16LE(win)) > maxLocatorString:
			bad(opt, val, fmt.Sprintf("the path is longer than the %d UTF-16 bytes a parent locator entry holds", maxLocatorString), ErrPathNotRepresentable)
		default:
			if msg := check(win); msg != "" {
				bad(opt, val, msg, ErrPathNotRepresentable)
				return
			}
			l.Entries = append(l.Entries, KeyValue{key, win})
		}
	}
	add("parent.relative_path", KeyRelativePath, p.RelativePath, func(w string) string {
		if strings.HasPrefix(w, `\`) || isDrivePath(w) {
			return "relative_path must be relative to the child's directory; pass an absolute Windows path as AbsoluteWin32Path, or make the path relative"
		}
		return ""
	})
	add("parent.volume_path", KeyVolumePath, p.VolumePath, func(w string) string {
		if !strings.HasPrefix(w, `\\?\Volume{`) {
			return `volume_path must start with \\?\Volume{`
		}
		return ""
	})
	add("parent.absolute_win32_path", KeyAbsoluteWin32Path, p.AbsoluteWin32Path, func(w string) string {
		if !isDrivePath(w) && !strings.HasPrefix(w, `\\`) {
			return `absolute_win32_path must be an absolute Windows path such as d:\dir\parent.vhdx or \\server\share\parent.vhdx; a POSIX path has no Windows form, so give the parent relative to the child instead`
		}
		return ""
	})
	if p.RelativePath == "" && p.VolumePath == "" && p.AbsoluteWin32Path == "" {
		bad("parent", "", "a differencing child needs at least one parent path (relative, volume or absolute Windows)", ErrInvalidOption)
	}
	return l, errs
}

// isDrivePath reports whether w starts with a drive letter and separator,
// as in "d:\".
func isDrivePath(w string) bool {
	return len(w) >= 3 && w[1] == ':' && w[2] == '\\' &&
		(w[0] >= 'a' && w[0] <= 'z' || w[0] >= 'A' && w[0] <= 'Z')
}
