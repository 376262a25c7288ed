package vmm

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingKVMNamesTheRemedy(t *testing.T) {
	saved := kvmPath
	defer func() { kvmPath = saved }()
	kvmPath = filepath.Join(t.TempDir(), "no-such-kvm")
	// The executable is checked first, so give a valid one.
	_, err := Run(context.Background(), Config{Path: guestBinary(t), Args: []string{"guest", "hello"}})
	if !errors.Is(err, ErrKVMUnavailable) {
		t.Fatalf("err = %v, want ErrKVMUnavailable", err)
	}
	if !strings.Contains(err.Error(), "kvm_intel or kvm_amd") || !strings.Contains(err.Error(), "no-such-kvm") {
		t.Errorf("error %q should name the device and the remedy", err)
	}
}
