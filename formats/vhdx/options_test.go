package vhdx

import (
	"errors"
	"strings"
	"testing"
)

func TestCreatorOption(t *testing.T) {
	for _, c := range []struct {
		creator string
		ok      bool
	}{
		{"", true},
		{"QEMU v7.2.0", true},
		{strings.Repeat("x", 256), true},
		{strings.Repeat("x", 257), false},
		{strings.Repeat("\U0001F600", 128), true}, // 256 UTF-16 code units
		{strings.Repeat("\U0001F600", 129), false},
		{"a\x00b", false},
		{"\xff", false},
	} {
		err := Options{Size: 1 << 20, Creator: c.creator}.Validate()
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrInvalidOption)) {
			t.Errorf("creator %q: %v", c.creator, err)
		}
	}
}

func TestResolveSizes(t *testing.T) {
	// The rules qemu-img's vhdx_co_create_opts and vhdx_co_create apply;
	// TestOptionBoundsMatchQemu checks the boundaries against qemu-img.
	for _, c := range []struct {
		v, size uint64
		want    uint32
		ok      bool
	}{
		{0, 1 << 30, 8 << 20, true},
		{0, 1<<30 + 512, 16 << 20, true},
		{1, 0, 1 << 20, true},
		{1<<20 + 1, 0, 2 << 20, true}, // rounds up to 2 MiB
		{3 << 20, 0, 0, false},
		{300 << 20, 0, 256 << 20, true},
		{1<<64 - 1, 5 << 40, 32 << 20, true}, // rounding wraps to 0: automatic
	} {
		got, err := ResolveBlockSize(c.v, c.size)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ResolveBlockSize(%d, %d) = %d, %v", c.v, c.size, got, err)
		}
	}
	for _, c := range []struct {
		v    uint64
		want uint32
	}{{1, 1 << 20}, {1 << 20, 1 << 20}, {1<<20 + 1, 2 << 20}, {MaxLogSize, MaxLogSize}} {
		if got, err := ResolveLogSize(c.v); got != c.want || err != nil {
			t.Errorf("ResolveLogSize(%d) = %d, %v", c.v, got, err)
		}
	}
	for _, v := range []uint64{0, MaxLogSize + 1, 1 << 32, 1<<64 - 1} {
		if _, err := ResolveLogSize(v); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("ResolveLogSize(%d) accepted: %v", v, err)
		}
	}
}
