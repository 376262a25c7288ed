package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
	"github.com/instar-go/instar/internal/info"
)

const createUsage = `usage: instar create [-q] [-f FMT] [-b BACKING [-F BACKING_FMT]] [-u] [-o OPTIONS]... [--output human|json] [--sandbox kvm|none] FILENAME [SIZE]

Create a disk image as qemu-img create does. FMT is raw (default), qcow2,
vmdk, vpc or vhdx; "-o help" lists a format's options. A backing file is
parsed only in the KVM sandbox; --sandbox=none parses it in this process
(unsafe for untrusted images). -u records BACKING without opening it (SIZE
is then required).
`

// The longest file the guest may make: the virtual size plus room for
// metadata, or, when the size comes from the backing the host cannot read,
// a bound no format reaches.
const (
	outputSlack  = 4 << 30
	outputMaxLen = 1 << 62
)

func runCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseCreateArgs(args)
	if errors.Is(err, errHelp) {
		_, err = io.WriteString(stdout, createUsage)
		return err
	}
	if err != nil {
		return err
	}
	req := &create.Request{
		Format:         a.format,
		Filename:       a.filename,
		Size:           a.size,
		BackingFile:    a.backing,
		HasBackingFile: a.hasBacking,
		BackingFormat:  a.backingFormat,
		Unsafe:         a.unsafe,
		Options:        a.options,
	}
	// Everything that needs no image bytes is checked here, before a
	// file is opened or a VM started.
	opts, err := create.ParseRequest(req)
	switch {
	case a.filename == "" && (err != nil || !opts.Help):
		return errNoFilename
	case err != nil:
		return withName(a.filename, err)
	}
	if opts.Help {
		text, err := create.HelpText(string(opts.Format))
		if err != nil {
			return err
		}
		_, err = io.WriteString(stdout, text)
		return err
	}
	var res *created
	if opts.Format == create.Raw {
		res, err = createOnHost(ctx, req)
	} else {
		res, err = createInSandbox(ctx, a, req, opts)
	}
	if err != nil {
		return withName(a.filename, err)
	}
	for _, w := range res.warnings {
		fmt.Fprintf(stderr, "instar: warning: %s\n", sanitize(w))
	}
	switch {
	case a.output == outputJSON:
		return writeCreateJSON(stdout, a.filename, res)
	case !a.quiet:
		_, err = fmt.Fprintln(stdout, sanitize(res.formatting))
	}
	return err
}

// withName prefixes an error with the image's name, as qemu-img does.
func withName(name string, err error) error {
	return &imageError{name: name, err: err}
}

// created is what a successful create reports, from either path.
type created struct {
	format       string
	formatting   string // the whole "Formatting '…', fmt=…" line
	virtualSize  int64
	unitSize     int64
	bytesWritten int64
	fileSize     int64
	warnings     []string
}

// createOnHost makes a raw image in this process: no untrusted bytes are
// read (raw takes no backing file).
func createOnHost(ctx context.Context, req *create.Request) (*created, error) {
	out, err := create.NewAtomicFile(req.Filename)
	if err != nil {
		return nil, err
	}
	defer out.Abort()
	res, err := create.Create(req, nil, -1, out.File())
	if err != nil {
		return nil, err
	}
	if err := create.Preallocate(out.File(), res.Preallocation, res.Preallocate); err != nil {
		return nil, err
	}
	if err := commit(ctx, out); err != nil {
		return nil, err
	}
	return &created{
		format: string(res.Format), formatting: res.FormattingLine(req.Filename),
		virtualSize: res.VirtualSize, unitSize: res.ClusterSize, bytesWritten: res.BytesWritten,
		fileSize: res.FileSize, warnings: res.Warnings,
	}, nil
}

// commit puts the new image in place unless the user interrupted instar
// meanwhile: an interrupted create leaves nothing, even when the work got
// done before the interrupt was noticed.
func commit(ctx context.Context, out *create.AtomicFile) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	return out.Commit()
}

// createInSandbox opens the backing file on the host and has the guest
// read it and write the new image into a temporary file, which becomes the
// target only when everything succeeded.
func createInSandbox(ctx context.Context, a *createArgs, req *create.Request, opts *create.Options) (*created, error) {
	wire := &abi.CreateRequest{
		Filename: req.Filename, Format: req.Format, Options: req.Options, Size: req.Size,
		BackingFile: req.BackingFile, HasBacking: req.HasBackingFile, BackingFormat: req.BackingFormat,
		Unsafe: req.Unsafe, BackingSize: -1,
	}
	files := guestFiles{outMax: outputMaxLen}
	if opts.SizeGiven && opts.Size < outputMaxLen-outputSlack {
		files.outMax = opts.Size + outputSlack
	}
	if opts.BackingFile != "" && !opts.Unsafe {
		f, size, err := openBacking(a.filename, opts.BackingFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		files.in, wire.BackingSize = f, size
	}
	out, err := create.NewAtomicFile(a.filename)
	if err != nil {
		return nil, err
	}
	defer out.Abort()
	files.out = out.File()
	r, err := serve(ctx, sandbox{mode: a.sandbox}, &abi.Request{Version: abi.Version, Op: abi.OpCreate, Create: wire}, files)
	if err != nil {
		return nil, err
	}
	if r.Code != create.OK {
		return nil, &create.Error{Code: r.Code, Msg: r.Detail}
	}
	res := r.Create
	if err := finishOutput(files.out, res, files.outMax, opts.Preallocation); err != nil {
		return nil, err
	}
	if err := commit(ctx, out); err != nil {
		return nil, err
	}
	size := res.BackingVirtualSize
	if opts.SizeGiven {
		size = opts.Size
	}
	return &created{
		format: string(opts.Format), formatting: opts.FormattingLine(a.filename, size),
		virtualSize: res.VirtualSize, unitSize: res.UnitSize, bytesWritten: res.BytesWritten,
		fileSize: res.FileSize, warnings: res.Warnings,
	}, nil
}

// openBacking opens the backing file named in the new image: resolved
// against the new image's directory, opened once, a regular file, and not
// the image being created.
func openBacking(filename, backing string) (*os.File, int64, error) {
	path := info.FullBackingFilename(filename, backing)
	f, fi, err := openRegular("backing file", path)
	if err != nil {
		return nil, 0, &create.Error{Code: create.BackingReadFailed, Msg: err.Error() + " (pass -u with a SIZE to create the image without opening it)"}
	}
	if ti, err := os.Stat(filename); err == nil && os.SameFile(fi, ti) {
		f.Close()
		return nil, 0, &create.Error{Code: create.InvalidOption, Msg: "Error: Trying to create an image with the same filename as the backing file"}
	}
	return f, fi.Size(), nil
}

// writeCreateJSON prints the --output=json result object.
func writeCreateJSON(w io.Writer, filename string, r *created) error {
	warnings := r.warnings
	if warnings == nil {
		warnings = []string{}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // a file name with & or < stays readable
	enc.SetIndent("", "    ")
	err := enc.Encode(struct {
		Format       string   `json:"format"`
		Filename     string   `json:"filename"`
		VirtualSize  int64    `json:"virtual-size"`
		UnitSize     int64    `json:"unit-size"`
		BytesWritten int64    `json:"bytes-written"`
		FileSize     int64    `json:"file-size"`
		Warnings     []string `json:"warnings"`
	}{r.format, filename, r.virtualSize, r.unitSize, r.bytesWritten, r.fileSize, warnings})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, b.String())
	return err
}
