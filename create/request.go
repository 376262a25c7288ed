package create

// Request is a `qemu-img create` command line as the user typed it, before
// any interpretation. The cli fills it from its flags; the guest receives it
// unchanged over the sandbox ABI and parses it again with [ParseRequest], so
// host and guest apply exactly the same rules.
type Request struct {
	// Format is -f; "" means raw, as in qemu-img.
	Format string
	// Filename is the new image's name as typed. It is used only in
	// messages, in the Formatting line and for qemu's check that the
	// backing is not the image itself; it is never opened.
	Filename string
	// Size is the SIZE argument as typed; "" when absent.
	Size string
	// BackingFile is -b as typed; it is recorded in the child verbatim.
	// HasBackingFile distinguishes an empty -b "" from no -b.
	BackingFile    string
	HasBackingFile bool
	// BackingFormat is -F; "" when absent.
	BackingFormat string
	// BackingAbsolutePath is the host's absolute path of the backing, if
	// the host wants it recorded: a differencing vpc child stores it as
	// its absolute (W2ku) parent locator. Optional; never opened.
	BackingAbsolutePath string
	// Unsafe is -u: the backing is not opened; SIZE is then required.
	Unsafe bool
	// Options holds each -o argument in order.
	Options []string
}
