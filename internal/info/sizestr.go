package info

import (
	"math"
	"strconv"
)

// sizeSuffixes are the binary prefixes of qemu's size_to_str.
var sizeSuffixes = [...]string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// sizeToStr formats a byte count as qemu's size_to_str (util/cutils.c)
// does: the unit is chosen so that the integer part stays below 1000, and
// the number is printed with printf's "%0.3g" (three significant digits,
// trailing zeros dropped, so "1.21 MiB", "196 KiB", "1e+03 KiB").
func sizeToStr(n uint64) string {
	// frexp(n / (1000/1024)) gives floor(log2(n*1024/1000)) + 1.
	_, exp := math.Frexp(float64(n) / (1000.0 / 1024.0))
	i := (exp - 1) / 10 // truncates toward zero as C does, so 0 for n == 0
	div := float64(uint64(1) << (uint(i) * 10))
	return formatG3(float64(n)/div) + " " + sizeSuffixes[i] + "B"
}

// formatG3 is C's printf("%0.3g", v) for a finite, non-negative v.
func formatG3(v float64) string {
	// Go's 'g' verb chooses between fixed and exponent form by the same rule
	// as C (exponent < -4 or >= precision) and prints at least two exponent
	// digits, as glibc does.
	return strconv.FormatFloat(v, 'g', 3, 64)
}
