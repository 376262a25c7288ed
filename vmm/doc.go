// Package vmm is not written yet; see docs/architecture.md for what it will
// hold. It deliberately exports nothing until its issue lands.
package vmm
