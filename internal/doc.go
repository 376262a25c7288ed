// Package internal is the root of what the instar host and its sandboxed
// guest share and what no other program should import: the request/result
// ABI (internal/abi), the guest entry point (internal/guest), info
// composition and rendering (internal/info), and the test rule for oracles
// and KVM (internal/testenv). The root package itself holds no code.
package internal
