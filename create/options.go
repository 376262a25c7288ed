package create

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/instar-go/instar/formats/qcow2"
)

// Options is the one option model for every target format: the parsed and
// validated form of a [Request]. Fields that do not apply to the target keep
// their defaults.
type Options struct {
	Format Format
	// Size is the virtual size as given (not yet rounded); SizeGiven is
	// false when the size is to come from the backing file.
	Size      int64
	SizeGiven bool

	// BackingFile is the path recorded in the child, verbatim ("" none).
	BackingFile string
	// BackingFormat is the format the user asserted with -F or backing_fmt.
	BackingFormat Format
	// Unsafe is -u: the backing is not read.
	Unsafe bool

	Preallocation Preallocation

	// qcow2.
	ClusterSize     int64  // bytes; default 65536
	Compat          string // "1.1" (default) or "0.10"
	RefcountBits    int    // default 16
	LazyRefcounts   bool
	ExtendedL2      bool
	CompressionType string // "zlib" (default) or "zstd"

	// Subformat is vmdk's (monolithicSparse, streamOptimized), vpc's and
	// vhdx's (dynamic, fixed); "" means the format's default.
	Subformat string

	// vmdk.
	AdapterType  string // "" means ide
	HWVersion    string // "" means undefined
	ToolsVersion string
	Compat6      bool
	ZeroedGrain  bool

	// vpc.
	ForceSize bool

	// vhdx. BlockSize 0 picks one from the virtual size.
	BlockSize      int64
	LogSize        int64 // default 1 MiB
	BlockStateZero bool  // default true

	// Host file keys, accepted for compatibility and otherwise ignored.
	NoCOW          bool
	ExtentSizeHint int64

	// Help is set when an -o list asked for help; nothing else is
	// validated then (qemu-img prints the list and exits).
	Help bool

	// Warnings are non-fatal notes in qemu-img's words.
	Warnings []string

	// given maps each key the user set to the value the Formatting line
	// prints (last value wins).
	given map[string]string
}

// Limits of the backing path, checked before anything is read.
const (
	// MaxBackingPath is the longest backing path accepted at all (Linux
	// PATH_MAX without its terminating NUL).
	MaxBackingPath = 4095
)

// ParseRequest parses and validates a request without reading any image
// bytes. Every problem found is reported at once: the error lists one *Error
// per problem (see [Problems]); [CodeOf] gives the first one's code. An
// unknown -f stops validation early, since the keys depend on the format.
func ParseRequest(req *Request) (*Options, error) {
	name := req.Format
	if name == "" {
		name = string(Raw)
	}
	f, err := ParseFormat(name)
	if err != nil {
		return nil, err
	}
	o := defaultOptions(f)
	var p problemList

	for _, list := range req.Options {
		if !validOptionList(list) {
			p.add(InvalidOption, "Invalid option list: "+list)
			continue
		}
		pieces, help := splitOptionList(list)
		if help {
			o.Help = true
		}
		for _, s := range pieces {
			o.set(s, &p)
		}
	}
	if o.Help {
		return o, nil
	}

	if req.Size != "" {
		if _, dup := o.given[keySize]; dup {
			p.add(InvalidSize, "The image size must be specified only once")
		}
		v, hexSuffix, err := parseSize(req.Size)
		switch {
		case errors.Is(err, ErrSizeSyntax):
			p.add(InvalidSize, "Invalid image size specified. You may use k, M, G, T, P or E suffixes for kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.")
		case err != nil || v > MaxSize:
			p.add(InvalidSize, fmt.Sprintf("Invalid image size specified. Must be between 0 and %d.", int64(MaxSize)))
		default:
			if hexSuffix {
				o.Warnings = append(o.Warnings, "Using a multiplier suffix on hex numbers is deprecated: "+req.Size)
			}
			o.Size, o.SizeGiven = int64(v), true
			o.given[keySize] = strconv.FormatInt(o.Size, 10)
		}
	}

	if o.NoCOW {
		o.Warnings = append(o.Warnings, "nocow=on is accepted for compatibility and has no effect in instar")
	}
	if o.ExtentSizeHint != 0 {
		o.Warnings = append(o.Warnings, fmt.Sprintf("extent_size_hint=%d is accepted for compatibility and has no effect in instar", o.ExtentSizeHint))
	}
	o.Unsafe = req.Unsafe
	o.applyBackingFlags(req, &p)
	o.validateBacking(req, &p)
	if !o.SizeGiven && (o.BackingFile == "" || o.Unsafe) && !o.hasSizeProblem(&p) {
		p.add(InvalidSize, "Image creation needs a size parameter")
	}
	o.validateFormat(&p)
	if o.SizeGiven {
		if err := checkExplicitSize(o); err != nil {
			p.addErr(err)
		}
	}
	if err := p.result(); err != nil {
		return nil, err
	}
	return o, nil
}

// defaultOptions returns the defaults of every field for target f.
func defaultOptions(f Format) *Options {
	return &Options{
		Format:          f,
		ClusterSize:     65536,
		Compat:          "1.1",
		RefcountBits:    16,
		CompressionType: "zlib",
		LogSize:         1 << 20,
		BlockStateZero:  true,
		given:           map[string]string{},
	}
}

// hasSizeProblem reports whether a size problem is already recorded, so a
// malformed SIZE is not also reported as a missing one.
func (o *Options) hasSizeProblem(p *problemList) bool {
	for _, e := range Problems(p.err.ErrorOrNil()) {
		if e.Code == InvalidSize {
			return true
		}
	}
	return false
}

// set parses one key=value piece, recording problems in p. Every value is
// checked even when a later one replaces it, as qemu-img does.
func (o *Options) set(s setting, p *problemList) {
	d, ok := lookupKey(o.Format, s.key)
	if !ok {
		p.add(InvalidOption, unknownKeyMessage(o.Format, s.key))
		return
	}
	if d.refused {
		p.add(InvalidOption, fmt.Sprintf("Invalid parameter '%s': %s", s.key, d.help))
		return
	}
	switch d.kind {
	case kindBool:
		b, ok := parseBool(s.value)
		if !ok {
			p.add(InvalidOption, fmt.Sprintf("Parameter '%s' expects 'on' or 'off' (got '%s')", s.key, s.value))
			return
		}
		o.setBool(s.key, b)
		o.given[s.key] = s.value
	case kindSize:
		v, hexSuffix, err := parseSize(s.value)
		if err != nil || v > MaxSize {
			code := InvalidOption
			if s.key == keySize {
				code = InvalidSize
			}
			if errors.Is(err, ErrSizeSyntax) {
				p.add(code, fmt.Sprintf("Parameter '%s' expects a non-negative number below 2^64 (got '%s'); optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta- and exabytes", s.key, s.value))
			} else {
				p.add(code, fmt.Sprintf("Value '%s' is out of range for parameter '%s' (at most %d)", s.value, s.key, int64(MaxSize)))
			}
			return
		}
		if hexSuffix {
			o.Warnings = append(o.Warnings, "Using a multiplier suffix on hex numbers is deprecated: "+s.value)
		}
		o.setSize(s.key, int64(v))
		o.given[s.key] = strconv.FormatInt(int64(v), 10)
	case kindNumber:
		v, ok := parseNumber(s.value)
		if !ok {
			p.add(InvalidOption, fmt.Sprintf("Parameter '%s' expects a number (got '%s')", s.key, s.value))
			return
		}
		o.setNumber(s.key, v)
		o.given[s.key] = strconv.FormatInt(int64(v), 10) // qemu prints it signed
	default:
		o.setString(s.key, s.value)
		o.given[s.key] = escapeOptionValue(s.value)
	}
}

// unknownKeyMessage is qemu-img's "Invalid parameter" with what to do: the
// formats the key belongs to, or the keys the target has.
func unknownKeyMessage(f Format, key string) string {
	msg := fmt.Sprintf("Invalid parameter '%s'", key)
	var owners []string
	for _, other := range Formats {
		if _, ok := lookupKey(other, key); ok && other != f {
			owners = append(owners, string(other))
		}
	}
	if len(owners) > 0 {
		return msg + fmt.Sprintf(" (an option of %s, not of %s)", strings.Join(owners, ", "), f)
	}
	var keys []string
	for _, d := range formatKeys[f] {
		if !d.flagOnly && !d.refused {
			keys = append(keys, d.name)
		}
	}
	sort.Strings(keys)
	return msg + fmt.Sprintf(" (%s takes: %s)", f, strings.Join(keys, ", "))
}

// parseBool accepts the spellings qemu's option parser accepts.
func parseBool(s string) (bool, bool) {
	switch s {
	case "on", "yes", "true", "y":
		return true, true
	case "off", "no", "false", "n":
		return false, true
	}
	return false, false
}

// setBool stores a boolean key.
func (o *Options) setBool(key string, b bool) {
	switch key {
	case keyLazyRefcounts:
		o.LazyRefcounts = b
	case keyExtendedL2:
		o.ExtendedL2 = b
	case keyCompat6:
		o.Compat6 = b
	case keyZeroedGrain:
		o.ZeroedGrain = b
	case keyForceSize:
		o.ForceSize = b
	case keyBlockStateZero:
		o.BlockStateZero = b
	case keyNoCOW:
		o.NoCOW = b
	}
}

// setSize stores a size key.
func (o *Options) setSize(key string, v int64) {
	switch key {
	case keySize:
		o.Size, o.SizeGiven = v, true
	case keyClusterSize:
		o.ClusterSize = v
	case keyBlockSize:
		o.BlockSize = v
	case keyLogSize:
		o.LogSize = v
	case keyExtentSizeHint:
		o.ExtentSizeHint = v
	}
}

// setNumber stores a number key; a width above the largest valid one
// (including a negative number, which qemu wraps) is kept as -1 for
// validation to report with the value as given.
func (o *Options) setNumber(key string, v uint64) {
	if key == keyRefcountBits {
		o.RefcountBits = -1
		if v <= qcow2.MaxRefcountBits {
			o.RefcountBits = int(v)
		}
	}
}

// parseNumber parses an integer the way C's strtoull with base 0 does,
// which qemu uses for number options: leading blanks, an optional sign (a
// minus wraps, as in C), then 0x hex, 0 octal or decimal digits, and
// nothing after them. Overflow is refused.
func parseNumber(s string) (uint64, bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	base := 10
	switch {
	case len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	if s == "" || countDigits(s, base == 16) != len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// setString stores a string key; compat is normalised and preallocation
// (read back from given) is parsed by the format rules.
func (o *Options) setString(key, v string) {
	switch key {
	case keyBackingFile:
		o.BackingFile = v
	case keyBackingFmt:
		o.BackingFormat = Format(v)
	case keyCompat:
		o.Compat = v
	case keyCompression:
		o.CompressionType = v
	case keySubformat:
		o.Subformat = v
	case keyAdapterType:
		o.AdapterType = v
	case keyHWVersion:
		o.HWVersion = v
	case keyToolsVersion:
		o.ToolsVersion = v
	}
}
