package vmm

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Snapshot files (Config.SnapshotDir) carry a snapshot from one process
// to the next, so that a command that runs its guest once still skips the
// guest's start-up. A file is named after the SHA-256 of everything the
// snapshot depends on: the guest executable's build ID, this host
// program's build ID (the vmm that took it), the CPU features KVM offers
// (a Go runtime picks its code paths by them at start-up), the limits,
// arguments, environment and descriptor modes. The directory and its files
// must belong to this user and be writable by no one else; anything else,
// and any file that does not decode, is ignored (and replaced by the next
// snapshot taken), never an error of the run.

// maxSnapshotFiles bounds the files kept in a snapshot directory; the
// oldest go first.
const maxSnapshotFiles = 16

const snapshotSuffix = ".snapshot"

// snapshotFileKey returns the SHA-256 naming cfg's snapshot file, or false
// when the executables carry no build ID to name it by.
func snapshotFileKey(cfg *Config, lim Limits, host *hostKVM) ([32]byte, bool) {
	guestID, err := fileBuildID(cfg.Path)
	if err != nil {
		return [32]byte{}, false
	}
	hostID, err := selfBuildID()
	if err != nil {
		return [32]byte{}, false
	}
	h := sha256.New()
	field := func(p []byte) {
		_ = binary.Write(h, binary.LittleEndian, uint64(len(p)))
		h.Write(p)
	}
	field([]byte(snapshotMagic))
	field(binary.LittleEndian.AppendUint32(nil, snapshotVersion))
	field(guestID)
	field(hostID)
	// As vCPU 0 sees it: KVM reports the APIC ID of whichever host CPU
	// answered, which every vCPU gets replaced by its own.
	cpuid := host.vcpuCPUID(0)
	field(unsafe.Slice((*byte)(unsafe.Pointer(&cpuid.Entries[0])), int(cpuid.Nent)*int(unsafe.Sizeof(cpuid.Entries[0]))))
	field(binary.LittleEndian.AppendUint64(nil, host.xcr0))
	field(binary.LittleEndian.AppendUint64(nil, uint64(lim.Memory)))
	field(binary.LittleEndian.AppendUint64(nil, uint64(lim.VCPUs)))
	for _, a := range cfg.Args {
		field([]byte("a" + a))
	}
	for _, e := range cfg.Env {
		field([]byte("e" + e))
	}
	for _, f := range cfg.Files {
		field([]byte{'f', byte(f.Mode)})
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, true
}

// hostKVMInfo returns what every VM on this host shares, opening KVM for
// the query the first time.
func hostKVMInfo() (*hostKVM, error) {
	kvm, err := openKVM()
	if err != nil {
		return nil, err
	}
	defer unix.Close(kvm)
	return probeHost(kvm)
}

var self struct {
	once sync.Once
	id   []byte
	err  error
}

// selfBuildID returns the build ID of the running program.
func selfBuildID() ([]byte, error) {
	self.once.Do(func() { self.id, self.err = fileBuildID("/proc/self/exe") })
	return self.id, self.err
}

// fileBuildID returns the Go build ID (or else the GNU build ID) recorded
// in an ELF file's notes.
func fileBuildID(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return elfBuildID(f)
}

// Note types and sizes for elfBuildID.
const (
	ptNote        = 4
	ntGoBuildID   = 4
	ntGNUBuildID  = 3
	maxNoteSize   = 64 << 10
	maxBuildIDLen = 256
)

var errNoBuildID = errors.New("vmm: the executable has no build ID")

// elfBuildID reads the build ID from the PT_NOTE segments of a 64-bit
// little-endian ELF file.
func elfBuildID(f io.ReaderAt) ([]byte, error) {
	hdr := make([]byte, elfHeaderSize)
	if _, err := f.ReadAt(hdr, 0); err != nil || checkELFIdent(hdr) != nil {
		return nil, errNoBuildID
	}
	le := binary.LittleEndian
	phoff, phnum := le.Uint64(hdr[elfOffPhoff:]), uint64(le.Uint16(hdr[elfOffPhnum:]))
	if le.Uint16(hdr[elfOffPhentsz:]) != phdrSize || phnum > maxPhnum {
		return nil, errNoBuildID
	}
	phdrs := make([]byte, phnum*phdrSize)
	if phoff > maxELF {
		return nil, errNoBuildID
	}
	if _, err := f.ReadAt(phdrs, int64(phoff)); err != nil {
		return nil, errNoBuildID
	}
	var gnu []byte
	for i := uint64(0); i < phnum; i++ {
		ph := phdrs[i*phdrSize:][:phdrSize]
		if le.Uint32(ph[phOffType:]) != ptNote {
			continue
		}
		off, size := le.Uint64(ph[phOffOffset:]), le.Uint64(ph[phOffFilesz:])
		if size > maxNoteSize || off > maxELF {
			continue
		}
		notes := make([]byte, size)
		if _, err := f.ReadAt(notes, int64(off)); err != nil {
			continue
		}
		for len(notes) >= 12 {
			namesz, descsz, typ := uint64(le.Uint32(notes)), uint64(le.Uint32(notes[4:])), le.Uint32(notes[8:])
			nameEnd := 12 + (namesz+3)&^3
			descEnd := nameEnd + (descsz+3)&^3
			if namesz > maxNoteSize || descsz > maxNoteSize || descEnd > uint64(len(notes)) {
				break
			}
			name := string(bytes.TrimRight(notes[12:12+namesz], "\x00"))
			desc := notes[nameEnd : nameEnd+descsz]
			switch {
			case name == "Go" && typ == ntGoBuildID && len(desc) > 0 && len(desc) <= maxBuildIDLen:
				return bytes.Clone(desc), nil
			case name == "GNU" && typ == ntGNUBuildID && len(desc) > 0 && len(desc) <= maxBuildIDLen:
				gnu = bytes.Clone(desc)
			}
			notes = notes[descEnd:]
		}
	}
	if gnu == nil {
		return nil, errNoBuildID
	}
	return gnu, nil
}

// privateDir makes dir when it is missing and reports whether it is a
// directory of this user's that no one else may write to.
func privateDir(dir string) bool {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR && st.Uid == uint32(os.Geteuid()) && st.Mode&0o022 == 0
}

// snapshotPath is the file for keySum in dir.
func snapshotPath(dir string, keySum [32]byte) string {
	return filepath.Join(dir, hex.EncodeToString(keySum[:16])+snapshotSuffix)
}

// loadSnapshotFile reads and decodes the snapshot for keySum from dir.
func loadSnapshotFile(dir string, keySum [32]byte, lim Limits, nFiles int) (*snapshot, error) {
	if !privateDir(dir) {
		return nil, fmt.Errorf("vmm: %s is not a directory of this user's that only it can write", dir)
	}
	fd, err := unix.Open(snapshotPath(dir, keySum), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), snapshotPath(dir, keySum))
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Uid != uint32(os.Geteuid()) || st.Mode&0o022 != 0 || st.Size > maxSnapshotFile {
		return nil, fmt.Errorf("%w: %s is not a private regular file of at most %d bytes", errBadSnapshot, f.Name(), maxSnapshotFile)
	}
	b := make([]byte, st.Size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return decodeSnapshot(b, keySum, lim, nFiles)
}

// saveSnapshotFile writes s for keySum into dir, replacing any file of
// that name at once (a rename), and prunes the directory to
// maxSnapshotFiles. Failing is harmless: the next process takes its own.
func saveSnapshotFile(dir string, keySum [32]byte, s *snapshot) error {
	b, err := s.encode(keySum)
	if err != nil {
		return err
	}
	if !privateDir(dir) {
		return fmt.Errorf("vmm: %s is not a directory of this user's that only it can write", dir)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*"+snapshotSuffix)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), snapshotPath(dir, keySum))
	}
	if err != nil {
		return err
	}
	pruneSnapshots(dir)
	return nil
}

// pruneSnapshots removes the oldest snapshot files of dir beyond
// maxSnapshotFiles.
func pruneSnapshots(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		name  string
		mtime int64
	}
	var files []file
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), snapshotSuffix) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if info, err := e.Info(); err == nil {
			files = append(files, file{e.Name(), info.ModTime().UnixNano()})
		}
	}
	if len(files) <= maxSnapshotFiles {
		return
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Compare(a.mtime, b.mtime) })
	for _, f := range files[:len(files)-maxSnapshotFiles] {
		_ = os.Remove(filepath.Join(dir, f.name))
	}
}
