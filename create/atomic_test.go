package create

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAtomicFile covers the replacement policy: a new target appears only
// on Commit; an existing regular file is replaced and keeps its mode; a
// target that appears meanwhile is not clobbered; Abort leaves nothing; a
// symbolic link target is refused.
func TestAtomicFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "img")

	a, err := NewAtomicFile(target)
	if err != nil {
		t.Fatal(err)
	}
	a.File().WriteString("new")
	if _, err := os.Stat(target); err == nil {
		t.Fatal("target exists before Commit")
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	expectFile(t, target, "new")
	expectOnly(t, dir, "img")

	// Replace an existing file, keeping its permission bits.
	if err := os.Chmod(target, 0o600); err != nil {
		t.Fatal(err)
	}
	a, _ = NewAtomicFile(target)
	a.File().WriteString("newer")
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	expectFile(t, target, "newer")
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", st.Mode().Perm())
	}

	// A target that appears while writing is not clobbered.
	late := filepath.Join(dir, "late")
	a, _ = NewAtomicFile(late)
	a.File().WriteString("ours")
	os.WriteFile(late, []byte("theirs"), 0o644)
	if err := a.Commit(); CodeOf(err) != OutputExists {
		t.Errorf("Commit over a late target: %v", err)
	}
	expectFile(t, late, "theirs")

	// Abort removes the temporary file and leaves the target alone.
	a, _ = NewAtomicFile(target)
	a.File().WriteString("aborted")
	a.Abort()
	a.Abort()
	expectFile(t, target, "newer")
	expectOnly(t, dir, "img", "late")

	// A symbolic link is refused before anything is written.
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	if _, err := NewAtomicFile(link); CodeOf(err) != WriteFailed {
		t.Errorf("symlink target: %v", err)
	}
}

// TestCreateFileFailureLeavesNothing checks a failing create removes its
// temporary file and keeps an existing target.
func TestCreateFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "img")
	os.WriteFile(target, []byte("keep"), 0o644)
	// A backing that cannot be read fails after the temporary file exists.
	_, err := CreateFile(&Request{Format: "vpc", Filename: "img", BackingFile: "p", BackingFormat: "vpc"}, failingReader{}, 1<<20, target)
	if CodeOf(err) != BackingReadFailed {
		t.Errorf("err = %v", err)
	}
	expectFile(t, target, "keep")
	expectOnly(t, dir, "img")
}

// expectFile checks a file's content.
func expectFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != want {
		t.Errorf("%s = %q, %v; want %q", path, b, err, want)
	}
}

// expectOnly checks a directory holds exactly the named entries.
func expectOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Errorf("%s holds %v, want %v", dir, got, names)
		return
	}
	for i := range got {
		if got[i] != names[i] {
			t.Errorf("%s holds %v, want %v", dir, got, names)
		}
	}
}
