package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
)

// TestFinishOutputDistrustsTheGuest checks the host's checks of the file a
// guest wrote against the size the guest reports.
func TestFinishOutputDistrustsTheGuest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		written int64 // bytes in the file
		stated  int64 // the guest's FileSize
		max     int64
		code    create.Code // OK: accepted
		want    int64       // the file's length afterwards
	}{
		{"sparse tail is extended", 512, 4096, 1 << 20, create.OK, 4096},
		{"exact", 4096, 4096, 1 << 20, create.OK, 4096},
		{"written past the stated size", 8192, 4096, 1 << 20, create.BadGuestResult, 8192},
		{"stated size beyond the cap", 512, 2 << 20, 1 << 20, create.BadGuestResult, 512},
	} {
		f, err := os.Create(filepath.Join(t.TempDir(), "img"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(tc.written); err != nil {
			t.Fatal(err)
		}
		err = finishOutput(f, &abi.CreateResult{FileSize: tc.stated}, tc.max, create.PreallocOff)
		if got := create.CodeOf(err); got != tc.code {
			t.Errorf("%s: code %v (%v), want %v", tc.name, got, err, tc.code)
		}
		if fi, _ := f.Stat(); fi.Size() != tc.want {
			t.Errorf("%s: file is %d bytes, want %d", tc.name, fi.Size(), tc.want)
		}
		f.Close()
	}
}

// TestFinishOutputPreallocates checks that the host preallocates the
// ranges the guest names, in the host's own mode.
func TestFinishOutputPreallocates(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res := &abi.CreateResult{FileSize: 1 << 20, Preallocate: []abi.Range{{Offset: 64 << 10, Length: 512 << 10}}}
	if err := finishOutput(f, res, 2<<20, create.PreallocFull); err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	if fi.Size() != 1<<20 || allocated(fi) < 512<<10 {
		t.Errorf("size %d, allocated %d; want 1 MiB with at least 512 KiB allocated", fi.Size(), allocated(fi))
	}
}
