// Command instar creates and inspects virtual-machine disk images as
// qemu-img create and qemu-img info do, parsing untrusted image bytes only
// inside a KVM sandbox.
//
//	instar create [-q] [-f FMT] [-b BACKING [-F BACKING_FMT]] [-u] [-o OPTIONS]… [--output human|json] [--sandbox kvm|none] FILENAME [SIZE]
//	instar info [-f FMT] [--output human|json] [--backing-chain] [-U] [--sandbox kvm|none] FILENAME
//
// Raw images are created on the host; every other create, and every info,
// parses untrusted bytes in a KVM sandbox whose guest is this same
// executable re-entered in guest mode (package internal/guest), so the
// executable must stay statically linked. The host opens every file itself
// (once, non-blocking, regular files only), decodes the guest's answer
// strictly and escapes any text from it before printing. --sandbox=none
// runs the guest code in-process, for hosts without KVM and trusted images
// only. The command refuses qemu-img features it cannot honour (protocols,
// --object, --image-opts, encryption, external data files) rather than
// ignoring them. See docs/create.md and docs/info.md.
package main
