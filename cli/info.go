package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/instar-go/instar/create"
	"github.com/instar-go/instar/internal/abi"
	"github.com/instar-go/instar/internal/info"
)

const infoUsage = `usage: instar info [-f FMT] [--output human|json] [--backing-chain] [-U] [--sandbox kvm|none] FILENAME

Describe a disk image as qemu-img info does. The image is parsed only in the
KVM sandbox; --sandbox=none parses it in this process (unsafe for untrusted
images). --backing-chain describes every image of the backing chain. -U is
accepted for qemu-img compatibility (instar takes no locks).
`

// maxChainDepth bounds --backing-chain: a longer chain is refused rather
// than followed, like a loop.
const maxChainDepth = 64

func runInfo(ctx context.Context, args []string, stdout, _ io.Writer) error {
	a, err := parseInfoArgs(args)
	if errors.Is(err, errHelp) {
		_, err = io.WriteString(stdout, infoUsage)
		return err
	}
	if err != nil {
		return err
	}
	entries, err := inspectChain(ctx, a)
	if err != nil {
		return err
	}
	if a.output == outputJSON {
		err = info.WriteJSON(stdout, entries, a.backingChain)
	} else {
		err = info.WriteHuman(stdout, entries)
	}
	return err
}

// inspectChain describes the image and, with --backing-chain, each backing
// file in turn. The host decides which file each backing name means (the
// name resolved against the directory of the image that names it) and
// opens it; the guest only parses. Nothing is printed until every link has
// been read, so a missing link fails the command without partial output,
// as in qemu-img.
func inspectChain(ctx context.Context, a *infoArgs) ([]info.Entry, error) {
	var entries []info.Entry
	var seen []fs.FileInfo
	name, format, what := a.filename, a.format, "image"
	for {
		e, fi, err := inspectOne(ctx, sandbox{mode: a.sandbox, repeated: a.backingChain}, what, name, format)
		if err != nil {
			return nil, err
		}
		for _, s := range seen {
			if os.SameFile(s, fi) {
				return nil, fmt.Errorf("backing file '%s' creates an infinite loop", name)
			}
		}
		seen = append(seen, fi)
		entries = append(entries, *e)
		if !a.backingChain || e.Image.BackingFilename == "" {
			return entries, nil
		}
		if len(entries) == maxChainDepth {
			return nil, fmt.Errorf("the backing chain of '%s' is deeper than %d images; instar stops there", a.filename, maxChainDepth)
		}
		name = info.FullBackingFilename(name, e.Image.BackingFilename)
		format, what = e.Image.BackingFormat, "backing file"
	}
}

// inspectOne opens one image on the host and has the guest describe it.
func inspectOne(ctx context.Context, sb sandbox, what, name, format string) (*info.Entry, fs.FileInfo, error) {
	im, fi, err := describe(ctx, sb, what, name, format)
	if err != nil {
		return nil, nil, err
	}
	if format != "" && im.Format != format {
		return nil, nil, &imageError{name: name, err: &create.Error{Code: create.BadGuestResult,
			Msg: fmt.Sprintf("asked to read the image as %s, the guest described a %s image", format, im.Format)}}
	}
	// A VMDK descriptor keeps its data in extent files, whose names come
	// from the untrusted descriptor: the host opens them only beneath the
	// descriptor's directory. Every one is opened (for its allocation, and
	// to fail when one is missing or refused, as qemu-img fails) before the
	// guest parses any. Validate has bounded their number (info.MaxExtents).
	actual := allocated(fi)
	files := im.ExtentFiles(name)
	if len(files) == 0 {
		return &info.Entry{Filename: name, ActualSize: actual, Image: im}, fi, nil
	}
	dir, err := openExtentDir(name)
	if err != nil {
		return nil, nil, &imageError{name: name, err: err}
	}
	defer dir.Close()
	for _, x := range files {
		f, xi, err := dir.open(x)
		if err != nil {
			return nil, nil, &imageError{name: name, err: err}
		}
		f.Close()
		actual += allocated(xi)
	}
	// A twoGbMaxExtentSparse VMDK keeps part of its description in the
	// headers of its extent files: the host opens each, the guest parses
	// it, as for the image itself.
	err = im.CompleteExtents(name, func(x info.ExtentFile) (*info.Image, error) {
		f, xi, err := dir.open(x)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return describeFile(ctx, sandbox{mode: sb.mode, repeated: true}, f, xi, info.FormatSparseExtent)
	})
	if err != nil {
		return nil, nil, &imageError{name: name, err: err}
	}
	return &info.Entry{Filename: name, ActualSize: actual, Image: im}, fi, nil
}

// describe opens one file on the host and returns the guest's validated
// description of it, parsed as format ("" to detect).
func describe(ctx context.Context, sb sandbox, what, name, format string) (*info.Image, fs.FileInfo, error) {
	f, fi, err := openRegular(what, name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	im, err := describeFile(ctx, sb, f, fi, format)
	if err != nil {
		return nil, nil, &imageError{name: name, err: err}
	}
	return im, fi, nil
}

// describeFile has the guest describe the opened file f, whose fstat is
// fi, and returns the validated result.
func describeFile(ctx context.Context, sb sandbox, f *os.File, fi fs.FileInfo, format string) (*info.Image, error) {
	req := &abi.Request{Version: abi.Version, Op: abi.OpInfo, Info: &abi.InfoRequest{Format: format, ImageSize: fi.Size()}}
	res, err := serve(ctx, sb, req, guestFiles{in: f})
	if err != nil {
		return nil, err
	}
	if res.Code != create.OK {
		return nil, infoFailure(res)
	}
	return res.Info, nil
}

// infoFailure turns a failed info result into an error. A failure of the
// sandbox keeps its code and advice; a parse failure is just the guest's
// detail, since create's advice for a bad backing file does not apply.
func infoFailure(res *abi.Result) error {
	switch res.Code {
	case create.GuestFault, create.TimeLimit, create.MemoryLimit, create.OutputLimit, create.BadGuestResult, create.Internal:
		return &create.Error{Code: res.Code, Msg: res.Detail}
	}
	return errors.New(res.Detail)
}

// allocated is the bytes the file occupies on disk (st_blocks × 512), what
// qemu-img shows as disk size.
func allocated(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return -1
}

// unwrapPath strips the *fs.PathError around an errno, since the caller
// names the path itself.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
