package create

// Preallocation is qemu's preallocation mode.
type Preallocation int

// The preallocation modes, in qemu's order.
const (
	PreallocOff      Preallocation = iota // sparse: only metadata is written
	PreallocMetadata                      // qcow2: every L2 table and refcount block is written
	PreallocFalloc                        // data space reserved with fallocate
	PreallocFull                          // data space written with zeros
)

// preallocNames is indexed by Preallocation.
var preallocNames = [...]string{"off", "metadata", "falloc", "full"}

// String returns qemu's name of the mode.
func (p Preallocation) String() string {
	if p >= 0 && int(p) < len(preallocNames) {
		return preallocNames[p]
	}
	return "unknown"
}

// parsePreallocation returns the mode named s.
func parsePreallocation(s string) (Preallocation, bool) {
	for i, n := range preallocNames {
		if n == s {
			return Preallocation(i), true
		}
	}
	return 0, false
}
