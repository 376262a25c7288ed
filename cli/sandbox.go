package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
	"github.com/instar-go/instar/internal/guest"
	"github.com/instar-go/instar/vmm"
)

// Sandbox limits. A guest parses at most a few MiB of metadata, so these
// are generous for honest images and stop a hostile one quickly.
const (
	guestMemory   = 512 << 20
	guestMemLimit = "GOMEMLIMIT=384MiB" // the guest's GC works to stay below this, under guestMemory
	guestWallTime = 60 * time.Second
	guestStderr   = 64 << 10
)

// guestFiles are the host descriptors a guest run gets: in becomes fd 3
// (read-only), out fd 4 (write-only: at most outMax bytes long, at most
// outputWritten bytes written). Either may be nil; a nil in with a non-nil
// out still keeps out at fd 4.
type guestFiles struct {
	in     *os.File
	out    *os.File
	outMax int64
}

// outputWritten caps the bytes a guest writes into a new image: metadata
// only, since data preallocation is done by the host.
const outputWritten = 4 << 30

// sandbox says how a command runs its guest.
type sandbox struct {
	mode sandboxMode
	// repeated is set when the command runs the guest several times
	// (each link of --backing-chain, each VMDK extent file): without a
	// snapshot cache (see snapshotDir), the runs then start from vmm's
	// snapshot of the guest taken just before it reads its request,
	// skipping the Go runtime's start-up. Taking the snapshot costs a
	// single run more than it saves, unless a cache keeps it for the
	// next process.
	repeated bool
}

// serve runs one request where sb says: in a KVM guest that is this
// executable, or in this process. Either way the request and result cross
// the same encoding, so both modes exercise the same strict decoder. The
// result is well formed and matches the request's operation; a failure of
// the sandbox itself is a *create.Error with the sandbox's code.
func serve(ctx context.Context, sb sandbox, req *abi.Request, files guestFiles) (*abi.Result, error) {
	wire, err := abi.EncodeRequest(req)
	if err != nil {
		return nil, &create.Error{Code: create.Internal, Msg: "encoding the guest request", Err: err}
	}
	var out []byte
	if sb.mode == sandboxNone {
		out, err = serveInProcess(wire, files)
	} else {
		out, err = serveKVM(ctx, wire, files, sb.repeated)
	}
	if err != nil {
		return nil, err
	}
	res, err := abi.DecodeResult(out)
	if err != nil {
		return nil, &create.Error{Code: create.BadGuestResult, Msg: "the guest's result was refused", Err: err}
	}
	if res.Op != req.Op {
		return nil, &create.Error{Code: create.BadGuestResult, Msg: fmt.Sprintf("the guest answered a %s request with a %s result", req.Op, res.Op)}
	}
	return res, nil
}

// serveInProcess is --sandbox=none: the guest's function, called here.
func serveInProcess(wire []byte, files guestFiles) ([]byte, error) {
	req, err := abi.DecodeRequest(bytes.NewReader(wire))
	if err != nil {
		return nil, &create.Error{Code: create.Internal, Msg: "decoding the guest request", Err: err}
	}
	var g guest.Files
	if files.in != nil {
		g.In = files.in
	}
	if files.out != nil {
		g.Out = files.out
	}
	b, err := abi.EncodeResult(guest.Serve(req, g))
	if err != nil {
		return nil, &create.Error{Code: create.Internal, Msg: "encoding the result", Err: err}
	}
	return b, nil
}

// serveKVM boots this executable as the guest with the request on stdin:
// from the cached snapshot when there is a cache (snapshotDir), else from
// this process's snapshot when repeated is set (see sandbox.repeated).
func serveKVM(ctx context.Context, wire []byte, files guestFiles, repeated bool) ([]byte, error) {
	exe, err := guestExecutable()
	if err != nil {
		return nil, err
	}
	cacheDir := snapshotDir(os.Getenv)
	cfg := vmm.Config{
		Path: exe,
		Args: []string{"instar", guest.Arg},
		Env: []string{
			guest.EnvVar + "=" + guest.EnvValue,
			"GOMAXPROCS=1", "GODEBUG=asyncpreemptoff=1", "GOGC=off", guestMemLimit,
		},
		Stdin: wire,
		// Nothing the guest does before it reads its request depends on
		// the request, which is what a snapshot needs.
		Snapshot:    repeated || cacheDir != "",
		SnapshotDir: cacheDir,
		Limits: vmm.Limits{
			Memory:   guestMemory,
			VCPUs:    4,
			WallTime: guestWallTime,
			Stdout:   abi.MaxResultSize,
			Stderr:   guestStderr,
			Written:  1, // no output descriptor: nothing may be written
		},
	}
	if files.in != nil || files.out != nil {
		// fd 3 must exist for fd 4 to be fd 4: an empty read-only
		// descriptor stands in for an absent input.
		in := vmm.File{Mode: vmm.ReadOnly, Data: []byte{}}
		if files.in != nil {
			in = vmm.File{Mode: vmm.ReadOnly, Host: files.in}
		}
		cfg.Files = append(cfg.Files, in)
	}
	if files.out != nil {
		cfg.Files = append(cfg.Files, vmm.File{Mode: vmm.WriteOnly, Host: files.out, MaxSize: files.outMax})
		cfg.Limits.Written = outputWritten
	}
	res, err := vmm.Run(ctx, cfg)
	if err != nil {
		return nil, sandboxError(err)
	}
	if res.ExitStatus != 0 {
		return nil, &create.Error{Code: create.GuestFault, Msg: fmt.Sprintf("the sandboxed guest exited with status %d%s", res.ExitStatus, stderrHead(res.Stderr))}
	}
	return res.Stdout, nil
}

// errInterrupted reports a command stopped by SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted; nothing was written")

// sandboxError gives a vmm failure its stable code and a message that says
// what to do about it.
func sandboxError(err error) error {
	code := create.Internal
	msg := "the sandbox failed"
	switch {
	case errors.Is(err, context.Canceled):
		return errInterrupted
	case errors.Is(err, vmm.ErrKVMUnavailable):
		code, msg = create.KVMUnavailable, "the KVM sandbox cannot start"
	case errors.Is(err, vmm.ErrNotStaticELF):
		msg = "the instar executable is not statically linked, so it cannot be its own sandbox guest; rebuild it with CGO_ENABLED=0 (make build does)"
	case errors.Is(err, vmm.ErrGuestFault):
		code, msg = create.GuestFault, "the sandboxed parser crashed; nothing was written"
	case errors.Is(err, vmm.ErrTimeLimit):
		code, msg = create.TimeLimit, fmt.Sprintf("the sandboxed parser ran longer than %v", guestWallTime)
	case errors.Is(err, vmm.ErrMemoryLimit):
		code, msg = create.MemoryLimit, fmt.Sprintf("the sandboxed parser needed more than %d MiB", guestMemory>>20)
	case errors.Is(err, vmm.ErrOutputLimit):
		code, msg = create.OutputLimit, "the sandboxed guest wrote more than it was allowed to"
	}
	return &create.Error{Code: code, Msg: msg, Err: err}
}

// stderrHead returns ": " and the first line the guest printed on stderr
// (for a Go panic, the panic message), shortened; or "" when it printed
// nothing. The caller's printing sanitises it.
func stderrHead(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if line == "" {
		return ""
	}
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return ": " + line
}

// cacheEnv names the environment variable that says where instar keeps
// the snapshot of its initialised sandbox guest, or "off" for nowhere.
const cacheEnv = "INSTAR_CACHE_DIR"

// snapshotDir returns the directory for vmm's snapshot files: $INSTAR_CACHE_DIR,
// else instar/ in the user's cache directory ($XDG_CACHE_HOME or
// ~/.cache); "" when the variable is "off" or there is no cache directory.
// vmm uses it only when it belongs to this user and no one else may write
// to it.
func snapshotDir(getenv func(string) string) string {
	switch dir := getenv(cacheEnv); dir {
	case "off":
		return ""
	case "":
	default:
		return dir
	}
	base := getenv("XDG_CACHE_HOME")
	if !filepath.IsAbs(base) {
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "instar")
}

// guestExecutable returns the path of this executable, which the sandbox
// loads as its guest. It must be static: a `go run` or `go build` with cgo
// enabled (the default where a C compiler exists) stays static only while
// no cgo package (net, os/user) is linked in, which static_test.go guards;
// vmm refuses anything else with ErrNotStaticELF.
func guestExecutable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", &create.Error{Code: create.Internal, Msg: "cannot find the instar executable to run as the sandbox guest", Err: err}
	}
	return exe, nil
}
