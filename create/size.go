package create

import (
	"errors"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// SectorSize is the unit every virtual size is rounded up to, as qemu-img
// rounds it (BDRV_SECTOR_SIZE).
const SectorSize = 512

// MaxSize is the largest size the grammar accepts: qemu-img refuses a SIZE
// above INT64_MAX.
const MaxSize = math.MaxInt64

// Size grammar errors, wrapped by the *Error the parsers return.
var (
	// ErrSizeSyntax means the text is not a size in qemu's grammar.
	ErrSizeSyntax = errors.New("create: size syntax")
	// ErrSizeRange means the size overflows 64 bits or exceeds MaxSize.
	ErrSizeRange = errors.New("create: size out of range")
	// ErrTooLarge means a size beyond the target format's ceiling for the
	// chosen options.
	ErrTooLarge = errors.New("create: size beyond the target's limit")
)

// ParseSize parses a size in qemu-img's grammar: a decimal integer (leading
// blanks and '+' allowed, '-' refused), optionally with a fraction, or a
// 0x hexadecimal integer; then an optional suffix b/k/M/G/T/P/E in either
// case (binary multiples; a fraction needs a suffix other than b). The
// result is exact for integers; a fraction is scaled in 64.64 fixed point
// and rounded half up, as qemu does, and may be at most MaxSize. The value
// is not rounded to SectorSize; see [RoundToSector].
func ParseSize(s string) (int64, error) {
	v, _, err := parseSize(s)
	if err != nil {
		return 0, err
	}
	if v > MaxSize {
		return 0, ErrSizeRange
	}
	return int64(v), nil
}

// RoundToSector rounds a size up to a multiple of SectorSize, refusing a
// result above MaxSize.
func RoundToSector(n int64) (int64, error) {
	if n < 0 || n > MaxSize-(SectorSize-1) {
		return 0, ErrSizeRange
	}
	return (n + SectorSize - 1) &^ (SectorSize - 1), nil
}

// parseSize is qemu's do_strtosz with unit 1024 and default suffix 'B'. It
// also reports whether a multiplier followed a hexadecimal number, which
// qemu 7.2 accepts with a deprecation warning.
func parseSize(s string) (v uint64, hexSuffix bool, err error) {
	rest := strings.TrimLeft(s, " \t\n\v\f\r")
	digits := rest
	if len(digits) > 0 && (digits[0] == '+' || digits[0] == '-') {
		if digits[0] == '-' {
			return 0, false, ErrSizeSyntax
		}
		digits = digits[1:]
	}
	hex := false
	if len(digits) > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') {
		hex = true
		digits = digits[2:]
	}
	n := countDigits(digits, hex)
	if n == 0 {
		return 0, false, ErrSizeSyntax // also "0x" without a hex digit
	}
	base := 10
	if hex {
		base = 16
	}
	val, perr := strconv.ParseUint(digits[:n], base, 64)
	if perr != nil {
		return 0, false, ErrSizeRange
	}
	rest = digits[n:]

	var frac uint64 // fraction in 0.64 fixed point
	if len(rest) > 0 && rest[0] == '.' {
		if hex {
			return 0, false, ErrSizeSyntax
		}
		m := 1 + countDigits(rest[1:], false)
		exp := exponentLen(rest[m:])
		if m > 1 && exp > 0 {
			return 0, false, ErrSizeSyntax // qemu refuses an exponent
		}
		if m > 1 {
			f, ferr := strconv.ParseFloat("0"+rest[:m], 64)
			if ferr != nil {
				return 0, false, ErrSizeSyntax
			}
			frac = fractionFixed(f)
		}
		rest = rest[m:]
	}

	mul := uint64(1)
	if len(rest) > 0 {
		if m, ok := suffixMultiplier(rest[0]); ok {
			mul = m
			rest = rest[1:]
			hexSuffix = hex
		}
	}
	if rest != "" {
		return 0, false, ErrSizeSyntax
	}
	if mul == 1 {
		if frac != 0 {
			return 0, false, ErrSizeSyntax // a fraction needs a scale
		}
		return val, false, nil
	}
	hi, lo := bits.Mul64(val, mul)
	fracHi, fracLo := bits.Mul64(frac, mul)
	lo, carry := bits.Add64(lo, fracHi, 0)
	hi += carry
	lo, carry = bits.Add64(lo, fracLo>>63, 0) // round half up
	hi += carry
	if hi != 0 {
		return 0, false, ErrSizeRange
	}
	return lo, hexSuffix, nil
}

// countDigits returns how many leading bytes of s are digits of the base.
func countDigits(s string, hex bool) int {
	i := 0
	for i < len(s) {
		c := s[i]
		isDigit := c >= '0' && c <= '9'
		if hex {
			isDigit = isDigit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
		}
		if !isDigit {
			break
		}
		i++
	}
	return i
}

// exponentLen returns the length of a C strtod exponent ("e5", "E+3") at the
// start of s, or 0 when there is none (a bare "e" is the exabyte suffix).
func exponentLen(s string) int {
	if len(s) < 2 || (s[0] != 'e' && s[0] != 'E') {
		return 0
	}
	i := 1
	if s[i] == '+' || s[i] == '-' {
		i++
	}
	n := countDigits(s[i:], false)
	if n == 0 {
		return 0
	}
	return i + n
}

// fractionFixed converts a fraction in [0, 1] to 0.64 fixed point as qemu's
// (uint64_t)(fraction * 0x1p64) does on x86-64: a fraction so close to 1
// that the double rounds to 1.0 converts to 0, so "1.99999999999999999999K"
// is 1024, exactly as qemu-img computes it.
func fractionFixed(f float64) uint64 {
	scaled := f * 0x1p64
	if scaled >= 0x1p64 {
		return 0
	}
	return uint64(scaled)
}

// suffixMultiplier returns the multiplier of a size suffix (binary units).
func suffixMultiplier(c byte) (uint64, bool) {
	switch c {
	case 'b', 'B':
		return 1, true
	case 'k', 'K':
		return 1 << 10, true
	case 'm', 'M':
		return 1 << 20, true
	case 'g', 'G':
		return 1 << 30, true
	case 't', 'T':
		return 1 << 40, true
	case 'p', 'P':
		return 1 << 50, true
	case 'e', 'E':
		return 1 << 60, true
	}
	return 0, false
}
