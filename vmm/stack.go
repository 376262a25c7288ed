package vmm

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// Auxiliary-vector types (include/uapi/linux/auxvec.h).
const (
	atNull     = 0
	atPhdr     = 3
	atPhent    = 4
	atPhnum    = 5
	atPagesz   = 6
	atEntry    = 9
	atPlatform = 15
	atHwcap    = 16
	atClktck   = 17
	atSecure   = 23
	atRandom   = 25
	atExecfn   = 31
)

// maxArgBytes bounds argv and envp together, like the kernel's ARG_MAX.
const maxArgBytes = 256 << 10

// buildStack maps the main thread's stack and writes the initial process
// stack the System V ABI describes: argc, argv, envp, auxv and the strings
// they point at. It returns the initial RSP.
func (m *machine) buildStack(cfg *Config) (uint64, error) {
	args := cfg.Args
	if len(args) == 0 {
		args = []string{cfg.Path}
		if cfg.Path == "" {
			args = []string{"guest"}
		}
	}
	total := 0
	for _, s := range append(append([]string{}, args...), cfg.Env...) {
		if strings.IndexByte(s, 0) >= 0 {
			return 0, fmt.Errorf("%w: an argument or environment string holds a NUL byte", ErrInvalidConfig)
		}
		total += len(s) + 1 + 8
	}
	if total > maxArgBytes {
		return 0, fmt.Errorf("%w: arguments and environment take %d bytes, more than %d", ErrInvalidConfig, total, maxArgBytes)
	}
	mem := m.mem
	mem.mu.Lock()
	mem.maps.set(stackTop-stackSize, stackTop, protRW)
	mem.dirty.set(stackTop-stackSize, stackTop, protRW)
	mem.mu.Unlock()

	// Strings go at the top, pointers below them.
	var strs []byte
	strAddr := func(s string) uint64 {
		strs = append(strs, s...)
		strs = append(strs, 0)
		return uint64(len(strs) - len(s) - 1)
	}
	var random [16]byte
	_, _ = rand.Read(random[:])
	randOff := uint64(len(strs))
	strs = append(strs, random[:]...)
	platOff := strAddr("x86_64")
	execOff := strAddr(args[0])
	argOffs := make([]uint64, len(args))
	for i, a := range args {
		argOffs[i] = strAddr(a)
	}
	envOffs := make([]uint64, len(cfg.Env))
	for i, e := range cfg.Env {
		envOffs[i] = strAddr(e)
	}
	strBase := (stackTop - 64 - uint64(len(strs))) &^ 15

	auxv := [][2]uint64{
		{atPhdr, m.exe.phdr}, {atPhent, phdrSize}, {atPhnum, m.exe.phnum},
		{atPagesz, pageSize}, {atEntry, m.exe.entry}, {atRandom, strBase + randOff},
		{atPlatform, strBase + platOff}, {atExecfn, strBase + execOff},
		{atSecure, 0}, {atHwcap, m.host.hwcap}, {atClktck, 100}, {atNull, 0},
	}
	words := []uint64{uint64(len(args))}
	for _, o := range argOffs {
		words = append(words, strBase+o)
	}
	words = append(words, 0)
	for _, o := range envOffs {
		words = append(words, strBase+o)
	}
	words = append(words, 0)
	for _, a := range auxv {
		words = append(words, a[0], a[1])
	}
	sp := (strBase - uint64(8*len(words))) &^ 15
	var ptrs []byte
	for _, w := range words {
		ptrs = append(ptrs, le64(w)...)
	}
	if err := mem.write(sp, ptrs); err != nil {
		return 0, err
	}
	if err := mem.write(strBase, strs); err != nil {
		return 0, err
	}
	return sp, nil
}
