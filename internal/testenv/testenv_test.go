package testenv

import (
	"os"
	"runtime"
	"testing"
)

// recorder is a testing.TB that records whether the code under test skipped
// or failed, stopping the calling goroutine as the real methods do.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(string, ...any) {
	r.skipped = true
	runtime.Goexit()
}
func (r *recorder) Fatalf(string, ...any) {
	r.failed = true
	runtime.Goexit()
}

// outcome runs fn against a recorder in its own goroutine so that Goexit
// ends only fn.
func outcome(t *testing.T, fn func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

func TestMissingToolSkipsOutsideCIAndFailsInCI(t *testing.T) {
	const missing = "instar-no-such-oracle"
	for _, tc := range []struct {
		ci              string
		skipped, failed bool
	}{
		{ci: "", skipped: true},
		{ci: "false", skipped: true},
		{ci: "true", failed: true},
		{ci: "1", failed: true},
	} {
		t.Setenv("CI", tc.ci)
		r := outcome(t, func(tb testing.TB) { RequireTool(tb, missing) })
		if r.skipped != tc.skipped || r.failed != tc.failed {
			t.Errorf("CI=%q: skipped=%v failed=%v, want skipped=%v failed=%v",
				tc.ci, r.skipped, r.failed, tc.skipped, tc.failed)
		}
	}
}

func TestPresentToolNeitherSkipsNorFails(t *testing.T) {
	t.Setenv("CI", "true")
	var path string
	r := outcome(t, func(tb testing.TB) { path = RequireTool(tb, "sh") })
	if r.skipped || r.failed || path == "" {
		t.Fatalf("RequireTool(sh): skipped=%v failed=%v path=%q", r.skipped, r.failed, path)
	}
}

func TestPackageOfNamesTheDebianPackage(t *testing.T) {
	for tool, pkg := range map[string]string{
		"qemu-img": "qemu-utils", "vhdiinfo": "libvhdi-utils", "vmdkinfo": "libvmdk-utils",
	} {
		if got := packageOf(tool); got != pkg {
			t.Errorf("packageOf(%s) = %s, want %s", tool, got, pkg)
		}
	}
}

func TestSameFileFindsTheFirstDifferenceInSparseFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int64, at int64, b byte) string {
		p := dir + "/" + name
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt([]byte{b}, at); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const size = 64 << 20
	a := write("a", size, 40<<20, 7)
	same := write("same", size, 40<<20, 7)
	other := write("other", size, 40<<20, 8)
	shorter := write("shorter", size-512, 40<<20, 7)
	if r := outcome(t, func(tb testing.TB) { SameFile(tb, a, same) }); r.failed {
		t.Error("SameFile failed on identical files")
	}
	for _, p := range []string{other, shorter} {
		if r := outcome(t, func(tb testing.TB) { SameFile(tb, a, p) }); !r.failed {
			t.Errorf("SameFile(%s) passed on different files", p)
		}
	}
}
