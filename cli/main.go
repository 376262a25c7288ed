// Command instar creates and inspects virtual-machine disk images as
// qemu-img create and qemu-img info do, parsing untrusted image bytes only
// inside a KVM sandbox.
//
// The commands are not wired up yet: instar prints its usage and exits 2.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "usage: instar create|info … (not implemented yet)")
	os.Exit(2)
}
