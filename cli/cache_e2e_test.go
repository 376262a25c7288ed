package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instar-go/instar/internal/testenv"
)

// cacheFiles lists the snapshot files in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.snapshot"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkChild checks with qemu-img that dir/name is a qcow2 child of
// p.vhdx (created by the test) with its size.
func checkChild(t *testing.T, dir, name string) {
	t.Helper()
	info := testenv.QemuInfo(t, "qcow2", filepath.Join(dir, name))
	if info["backing-filename"] != "p.vhdx" || info["virtual-size"] != float64(32<<20) {
		t.Fatalf("qemu-img info %s: backing %v, size %v; want p.vhdx, %d", name, info["backing-filename"], info["virtual-size"], 32<<20)
	}
}

// TestSnapshotCacheAcrossRuns checks the snapshot cache end to end: the
// first sandboxed run saves a snapshot where INSTAR_CACHE_DIR says, later
// runs use it, and a damaged file is replaced, never an error.
func TestSnapshotCacheAcrossRuns(t *testing.T) {
	testenv.RequireKVM(t)
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	env := []string{cacheEnv + "=" + cache}
	instarOKEnv(t, dir, env, "create", "-q", "-f", "vhdx", "p.vhdx", "32M")
	files := cacheFiles(t, cache)
	if len(files) != 1 {
		t.Fatalf("%d snapshot files after the first run, want 1", len(files))
	}
	saved, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	instarOKEnv(t, dir, env, "create", "-q", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "c1.qcow2")
	checkChild(t, dir, "c1.qcow2")
	if again, _ := os.ReadFile(files[0]); !bytes.Equal(again, saved) {
		t.Fatal("the second run replaced a good snapshot instead of using it")
	}

	garbage := bytes.Repeat([]byte("not a snapshot "), 100)
	if err := os.WriteFile(files[0], garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	instarOKEnv(t, dir, env, "create", "-q", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "c2.qcow2")
	checkChild(t, dir, "c2.qcow2")
	if now, _ := os.ReadFile(files[0]); bytes.Equal(now, garbage) || len(now) == 0 {
		t.Fatal("a damaged snapshot file was left in place")
	}
}

// TestSnapshotCacheLocation checks where the cache goes by default, that
// "off" keeps none, and that a directory others may write to is not used.
func TestSnapshotCacheLocation(t *testing.T) {
	testenv.RequireKVM(t)
	dir := t.TempDir()
	instarOK(t, dir, "create", "-q", "-f", "vhdx", "p.vhdx", "32M")

	xdg := filepath.Join(dir, "xdg")
	instarOKEnv(t, dir, []string{cacheEnv + "=", "XDG_CACHE_HOME=" + xdg}, "create", "-q", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "c1.qcow2")
	checkChild(t, dir, "c1.qcow2")
	if n := len(cacheFiles(t, filepath.Join(xdg, "instar"))); n != 1 {
		t.Fatalf("%d snapshot files in $XDG_CACHE_HOME/instar, want 1", n)
	}

	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	instarOKEnv(t, dir, []string{cacheEnv + "=off", "HOME=" + home, "XDG_CACHE_HOME="}, "create", "-q", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "c2.qcow2")
	checkChild(t, dir, "c2.qcow2")
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("%s=off still wrote into $HOME: %v", cacheEnv, entries)
	}

	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	instarOKEnv(t, dir, []string{cacheEnv + "=" + shared}, "create", "-q", "-f", "qcow2", "-b", "p.vhdx", "-F", "vhdx", "c3.qcow2")
	checkChild(t, dir, "c3.qcow2")
	if n := len(cacheFiles(t, shared)); n != 0 {
		t.Fatalf("a snapshot was saved into a world-writable directory (%d files)", n)
	}
}

// TestSnapshotDir checks how the cache directory is chosen.
func TestSnapshotDir(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{cacheEnv: "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/c"},
		{map[string]string{cacheEnv: "off", "XDG_CACHE_HOME": "/x", "HOME": "/h"}, ""},
		{map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/instar"},
		{map[string]string{"XDG_CACHE_HOME": "relative", "HOME": "/h"}, "/h/.cache/instar"},
		{map[string]string{"HOME": "/h"}, "/h/.cache/instar"},
		{map[string]string{"HOME": "relative"}, ""},
		{map[string]string{}, ""},
	}
	for _, c := range cases {
		if got := snapshotDir(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("snapshotDir(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

// instarOKEnv is instarOK with env added to the environment.
func instarOKEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	r := instarEnv(t, dir, env, args...)
	if r.status != 0 || strings.Contains(r.stderr, "goroutine ") {
		t.Fatalf("instar %q (env %q) exited %d\nstdout: %s\nstderr: %s", args, env, r.status, r.stdout, r.stderr)
	}
	return r
}
