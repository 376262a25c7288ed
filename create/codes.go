package create

import "fmt"

// Code is a stable error number shared by the host, the guest and old and
// new builds of instar. Codes are append-only: a code's number and name never
// change once released, and a retired code is never reused (codes_test.go
// pins every number to its name).
type Code uint16

// The error codes. OK (0) is success; every other value names one failure.
const (
	OK                         Code = 0
	InvalidOption              Code = 1  // an -o key, value or combination is refused
	InvalidSize                Code = 2  // SIZE does not parse, overflows, or exceeds the target's limit
	BackingReadFailed          Code = 3  // reading the backing file's bytes failed
	BackingParseFailed         Code = 4  // the backing's bytes are a known format but malformed
	BackingPathTooLong         Code = 5  // the backing path is longer than a path may be
	WriteFailed                Code = 6  // writing the new image failed
	UnsupportedFormat          Code = 7  // -f or -F names a format instar does not create or read
	BackingNotSizeable         Code = 8  // the backing's format is recognised but its size cannot be read
	BackingTooLarge            Code = 9  // the backing's size exceeds the target's limit for the chosen options
	BackingDifferencing        Code = 10 // the backing is itself a differencing VHD/VHDX
	ParentNameTooLong          Code = 11 // the backing name does not fit where the target records it
	ParentFormatMismatch       Code = 12 // the target can only stack on a parent of another format
	ParentSizeMismatch         Code = 13 // the target needs the parent's size and SIZE differs
	ParentPathNotRepresentable Code = 14 // the backing name has bytes the target cannot record
	BackingAmbiguous           Code = 15 // the backing's bytes match more than one format
	KVMUnavailable             Code = 16 // /dev/kvm cannot be used for the sandbox
	GuestFault                 Code = 17 // the sandboxed guest faulted
	TimeLimit                  Code = 18 // the guest exceeded its time limit
	MemoryLimit                Code = 19 // the guest exceeded its memory limit
	OutputLimit                Code = 20 // the guest tried to write more than its output limit
	BadGuestResult             Code = 21 // the guest's result could not be decoded
	Internal                   Code = 22 // a bug in instar (a plan a format package should not emit)
	OutputExists               Code = 23 // the target appeared while the image was being written
)

// codeInfo is one row of the code table.
type codeInfo struct {
	name    string
	message string // what went wrong and what to try, for the host to print
}

// codeTable maps each code to its name and host-side message. Append only.
var codeTable = map[Code]codeInfo{
	OK:                         {"OK", "success"},
	InvalidOption:              {"INVALID_OPTION", "an image option is invalid; run with -o help to list the format's options and check each value against its allowed range"},
	InvalidSize:                {"INVALID_SIZE", "the image size is invalid; give a number with an optional k, M, G, T, P or E suffix that fits the target format"},
	BackingReadFailed:          {"BACKING_READ_FAILED", "the backing file could not be read; check that it exists, is readable and is not truncated"},
	BackingParseFailed:         {"BACKING_PARSE_FAILED", "the backing file looks like a disk image but its metadata is damaged; check it with qemu-img check or pass -u with an explicit SIZE"},
	BackingPathTooLong:         {"BACKING_PATH_TOO_LONG", "the backing file path is too long; use a shorter relative path"},
	WriteFailed:                {"WRITE_FAILED", "the new image could not be written; check free space, file size limits and permissions of the target directory"},
	UnsupportedFormat:          {"UNSUPPORTED_FORMAT", "the format is not supported; use raw, qcow2, vmdk, vpc or vhdx"},
	BackingNotSizeable:         {"BACKING_NOT_SIZEABLE", "the backing file's format is recognised but its virtual size cannot be read; pass an explicit SIZE with -u"},
	BackingTooLarge:            {"BACKING_SIZE_TOO_LARGE", "the backing file is larger than the target format allows with these options; try a larger cluster size, or a format with more headroom, or pass an explicit SIZE that fits"},
	BackingDifferencing:        {"BACKING_DIFFERENCING", "the backing file is itself a differencing VHD/VHDX; use its parent, or convert it to a standalone image first"},
	ParentNameTooLong:          {"PARENT_NAME_TOO_LONG", "the backing file name is too long for the target format to record; use a shorter relative path"},
	ParentFormatMismatch:       {"PARENT_FORMAT_MISMATCH", "the target format can only record a backing file of its own format; convert the backing first or choose another target format"},
	ParentSizeMismatch:         {"PARENT_SIZE_MISMATCH", "the target format needs the same size as its backing file; omit SIZE or give the backing's size"},
	ParentPathNotRepresentable: {"PARENT_PATH_NOT_REPRESENTABLE", "the backing file name contains characters the target format cannot record; rename the backing file or use another path to it"},
	BackingAmbiguous:           {"BACKING_AMBIGUOUS", "the backing file's bytes match more than one format; instar refuses to guess, inspect it with instar info"},
	KVMUnavailable:             {"KVM_UNAVAILABLE", "KVM is not usable for the sandbox; load kvm_intel/kvm_amd and check access to /dev/kvm, or pass --sandbox=none for trusted images only"},
	GuestFault:                 {"GUEST_FAULT", "the sandboxed parser faulted; the backing file is probably malicious or damaged, please report it"},
	TimeLimit:                  {"TIME_LIMIT", "the sandboxed parser ran out of time; the backing file may be hostile, or raise the time limit"},
	MemoryLimit:                {"MEMORY_LIMIT", "the sandboxed parser ran out of memory; the backing file may be hostile, or raise the memory limit"},
	OutputLimit:                {"OUTPUT_LIMIT", "the sandboxed writer exceeded its output limit; the options describe a larger file than allowed, or raise the limit"},
	BadGuestResult:             {"BAD_GUEST_RESULT", "the sandbox returned a malformed result; this is a bug or a compromised guest, please report it"},
	Internal:                   {"INTERNAL", "instar hit an internal error; please report it with the command line"},
	OutputExists:               {"OUTPUT_EXISTS", "the target file appeared while the image was being written; nothing was replaced, remove it or choose another name and retry"},
}

// String returns the code's stable name, such as "INVALID_OPTION".
func (c Code) String() string {
	if info, ok := codeTable[c]; ok {
		return info.name
	}
	return fmt.Sprintf("CODE_%d", uint16(c))
}

// Message returns the host-side message for the code: what went wrong and
// what to try.
func (c Code) Message() string {
	if info, ok := codeTable[c]; ok {
		return info.message
	}
	return fmt.Sprintf("unknown error code %d; this build of instar is older than the one that produced it", uint16(c))
}

// Known reports whether c is a code this build defines.
func (c Code) Known() bool {
	_, ok := codeTable[c]
	return ok
}
