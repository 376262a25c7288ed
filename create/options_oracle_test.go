package create

import (
	"path/filepath"
	"strings"
	"testing"
)

// optionCase is one qemu-img create command line. diff, when set, names a
// deliberate difference from qemu-img; want then says whether instar
// accepts the command.
type optionCase struct {
	args []string
	diff string
	want bool
}

// optionCases drive TestOptionsMatchQemu: accepted and rejected inputs for
// every target. The image is always "t.img"; backing files are the ones
// makeParents creates.
var optionCases = []optionCase{
	// Every format's defaults and printed option order.
	{args: []string{"-f", "raw", "t.img", "1M"}},
	{args: []string{"t.img", "1M"}},
	{args: []string{"-f", "qcow2", "t.img", "1.5G"}},
	{args: []string{"-f", "vmdk", "t.img", "1G"}},
	{args: []string{"-f", "vpc", "t.img", "1G"}},
	{args: []string{"-f", "vhdx", "t.img", "1G"}},
	// Every key of every format at once.
	{args: []string{"-f", "raw", "-o", "size=1M,preallocation=off,nocow=off,extent_size_hint=1M", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "compat=1.1,cluster_size=64k,preallocation=off,lazy_refcounts=on,refcount_bits=16,compression_type=zlib,extended_l2=off,nocow=off,extent_size_hint=1M", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "adapter_type=ide,hwversion=4,toolsversion=1,subformat=monolithicSparse,zeroed_grain=off,compat6=off,nocow=off,extent_size_hint=1M,preallocation=off", "t.img", "1M"}},
	{args: []string{"-f", "vpc", "-o", "subformat=dynamic,force_size=off,nocow=off,preallocation=off,extent_size_hint=1M", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "block_size=1M,log_size=1M,block_state_zero=on,subformat=dynamic,nocow=off,preallocation=off,extent_size_hint=1M", "t.img", "1M"}},
	// List syntax: repeated -o, last value wins, ",," escapes, flags.
	{args: []string{"-f", "qcow2", "-o", "size=1M", "-o", "size=2M", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "size=1M,size=2M", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=4k", "-o", "cluster_size=64k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "nolazy_refcounts", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "nocow", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts=yes,extended_l2=true", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts=y,nocow=n", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts=ON", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts=maybe", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts=foo,lazy_refcounts=on", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts=on,lazy_refcounts=foo", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", ",", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=64k,", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", ",cluster_size=64k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=64k,,foo", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "=1", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "lazy_refcounts=", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "SIZE=1M", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "?", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=1.1,,", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=64k,,,", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-u", "-b", "sp ace'q\"d", "-F", "raw", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-u", "-b", "a,b.vmdk", "-F", "vmdk", "t.img", "1M"}, diff: "with -u instar never reads the parent, so the vmdk child records no parent CID; qemu-img's vmdk driver opens the parent anyway", want: true},
	{args: []string{"-f", "vmdk", "-o", "hwversion=undefined,compat6=on", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-u", "-b", strings.Repeat("n", 1023), "-F", "raw", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-u", "-b", strings.Repeat("n", 1024), "-F", "raw", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "toolsversion=a,,b", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "foo=1", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "foo=1,bar=2,cluster_size=3k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "subformat=fixed", "t.img", "1M"}},
	{args: []string{"-f", "raw", "-o", "cluster_size=64k", "t.img", "1M"}},
	{args: []string{"-f", "vpc", "-o", "block_size=1M", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "force_size=on", "t.img", "1M"}},
	{args: []string{"-f", "vpc", "-o", "backing_file=base.vhd", "t.img", "1M"}},
	// Size given twice or not at all.
	{args: []string{"-f", "qcow2", "-o", "size=1M", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "t.img"}},
	{args: []string{"-f", "raw", "t.img"}},
	{args: []string{"-f", "foo", "t.img", "1M"}},
	// qcow2 option rules.
	{args: []string{"-f", "qcow2", "-o", "cluster_size=512", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=2M", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=256", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=3k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=4M", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=0x1000", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=1.5k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=1", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=64", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=0x10", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=3", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=0", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=128", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=abc", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=010", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=08", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=0b100", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=1_6", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits= 16", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=+16", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=-16", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=0x", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=16k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "refcount_bits=99999999999999999999", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=0.10", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=v2", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=v3", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=2", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=0.10,refcount_bits=8", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=0.10,lazy_refcounts=on", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=0.10,extended_l2=on", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compat=v2,compression_type=zstd", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compression_type=zstd", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "compression_type=lz4", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "extended_l2=on,cluster_size=16k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "extended_l2=on,cluster_size=8k", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "preallocation=metadata", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "preallocation=falloc", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "preallocation=full", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "preallocation=foo", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "data_file=d.img", "t.img", "1M"}, diff: "external data files are not implemented", want: false},
	{args: []string{"-f", "qcow2", "-o", "encrypt.format=luks", "t.img", "1M"}},
	// Backing files.
	{args: []string{"-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "t.img", "8M"}},
	{args: []string{"-f", "qcow2", "-b", "base.raw", "-F", "raw", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "base.vhdx", "-F", "vhdx", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "base.vhd", "-F", "vpc", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "base.vmdk", "-F", "vmdk", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "base.qcow2", "t.img"}},
	{args: []string{"-f", "qcow2", "-u", "-b", "base.qcow2", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-u", "-b", "nonexistent", "-F", "qcow2", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-u", "-b", "base.qcow2", "-F", "qcow2", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "t.img", "-F", "raw", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "backing_file=", "-F", "raw", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "backing_fmt=raw", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "backing_file=base.raw,backing_fmt=raw", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "backing_file=a,,b,backing_fmt=raw", "-u", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-b", "a,b", "-F", "raw", "-u", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "backing_file=other", "-b", "base.raw", "-F", "raw", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "backing_fmt=qcow2", "-b", "base.raw", "-F", "raw", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "base.qcow2", "-F", "foo", "t.img"}},
	{args: []string{"-f", "qcow2", "-u", "-b", "x", "-F", "foo", "t.img", "1M"}},
	{args: []string{"-f", "qcow2", "-o", "preallocation=full", "-b", "base.raw", "-F", "raw", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "preallocation=metadata,extended_l2=on", "-b", "base.raw", "-F", "raw", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "base.qcow2", "-F", "raw", "t.img"}, diff: "the bytes decide the backing's size: qemu-img sizes a qcow2 file given as -F raw by its length", want: true},
	{args: []string{"-f", "qcow2", "-b", "base.qcow2", "-F", "vpc", "t.img"}, diff: "a -F that contradicts the bytes is a warning, not a failure to open", want: true},
	{args: []string{"-f", "raw", "-b", "base.raw", "-F", "raw", "t.img"}},
	{args: []string{"-f", "raw", "-F", "raw", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "t.img"}},
	{args: []string{"-f", "vmdk", "-b", "base.qcow2", "-F", "qcow2", "t.img"}},
	{args: []string{"-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "t.img", "8M"}},
	{args: []string{"-f", "vmdk", "-b", "base.qcow2", "-F", "vmdk", "t.img"}},
	{args: []string{"-f", "vmdk", "t.img", "0"}, diff: "qemu-img writes a 0-byte vmdk it cannot open again; instar refuses it", want: false},
	{args: []string{"-f", "qcow2", "t.img", "0"}},
	{args: []string{"-f", "qcow2", "-b", "fixed.vhd", "-F", "vpc", "t.img"}},
	{args: []string{"-f", "qcow2", "-b", "fixed.vhd", "-F", "raw", "t.img"}, diff: "the bytes decide: a fixed VHD is found by its footer, qemu-img sizes it as raw", want: true},
	{args: []string{"-f", "qcow2", "-o", "cluster_size=512", "-b", "base.vhdx", "-F", "vhdx", "t.img"}},
	{args: []string{"-f", "qcow2", "-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2", "t.img"}},
	{args: []string{"-f", "vmdk", "-o", "backing_fmt=raw", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-b", "base.qcow2", "-F", "qcow2", "-u", "t.img", "1M"}},
	{args: []string{"-f", "vpc", "-b", "base.vhd", "-F", "vpc", "t.img"}, diff: "instar makes differencing VHD children, which qemu-img cannot", want: true},
	{args: []string{"-f", "vhdx", "-b", "base.vhdx", "-F", "vhdx", "t.img"}, diff: "instar makes differencing VHDX children, which qemu-img cannot", want: true},
	{args: []string{"-f", "vhdx", "-b", "base.vhd", "-F", "vpc", "t.img"}},
	// vmdk option rules.
	{args: []string{"-f", "vmdk", "-o", "subformat=streamOptimized,adapter_type=lsilogic,hwversion=6", "t.img", "1G"}},
	{args: []string{"-f", "vmdk", "-o", "subformat=monolithicFlat", "t.img", "1M"}, diff: "multi-file subformats are refused: the output is one file", want: false},
	{args: []string{"-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "t.img", "1M"}, diff: "multi-file subformats are refused: the output is one file", want: false},
	{args: []string{"-f", "vmdk", "-o", "subformat=foo", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "adapter_type=buslogic", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "adapter_type=legacyESX", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "adapter_type=scsi", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "hwversion=6,compat6=on", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "compat6=on", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "zeroed_grain=on,compat6=on,toolsversion=5", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "preallocation=full", "t.img", "1M"}},
	{args: []string{"-f", "vmdk", "-o", "preallocation=metadata", "t.img", "1M"}},
	// vpc option rules.
	{args: []string{"-f", "vpc", "-o", "subformat=fixed,force_size=on", "t.img", "1G"}},
	{args: []string{"-f", "vpc", "-o", "subformat=foo", "t.img", "1M"}},
	{args: []string{"-f", "vpc", "-o", "force_size=maybe", "t.img", "1M"}},
	{args: []string{"-f", "vpc", "-o", "preallocation=falloc", "t.img", "1M"}},
	{args: []string{"-f", "vpc", "-o", "preallocation=metadata", "t.img", "1M"}},
	// vhdx option rules.
	{args: []string{"-f", "vhdx", "-o", "block_size=1M,log_size=2M,subformat=fixed", "t.img", "10M"}},
	{args: []string{"-f", "vhdx", "-o", "block_size=0", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "block_size=3M", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "block_size=512M", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "block_size=1000k", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "block_size=1536k", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "log_size=1000k", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "log_size=0", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "log_size=4095M", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "log_size=4G", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "subformat=foo", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "block_state_zero=off", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "preallocation=metadata", "t.img", "1M"}},
	{args: []string{"-f", "vhdx", "-o", "preallocation=full", "t.img", "1M"}},
	// raw preallocation.
	{args: []string{"-f", "raw", "-o", "preallocation=falloc", "t.img", "1M"}},
	{args: []string{"-f", "raw", "-o", "preallocation=full", "t.img", "1M"}},
	{args: []string{"-f", "raw", "-o", "preallocation=metadata", "t.img", "1M"}},
	{args: []string{"-f", "raw", "-o", "preallocation=foo", "t.img", "1M"}},
}

// requestOf turns qemu-img create arguments into a Request, as the cli does.
func requestOf(t *testing.T, args []string) *Request {
	t.Helper()
	r := &Request{}
	var pos []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-f":
			i++
			r.Format = args[i]
		case "-b":
			i++
			r.BackingFile, r.HasBackingFile = args[i], true
		case "-F":
			i++
			r.BackingFormat = args[i]
		case "-o":
			i++
			r.Options = append(r.Options, args[i])
		case "-u":
			r.Unsafe = true
		default:
			pos = append(pos, args[i])
		}
	}
	r.Filename = pos[0]
	if len(pos) > 1 {
		r.Size = pos[1]
	}
	return r
}

// TestOptionsMatchQemu runs every case through qemu-img create and through
// instar's CreateFile: instar accepts exactly what qemu-img accepts, except where a case
// names a deliberate difference, and when both accept, the Formatting lines
// are identical.
func TestOptionsMatchQemu(t *testing.T) {
	dir := t.TempDir()
	makeParents(t, dir)
	for _, c := range optionCases {
		name := strings.Join(c.args, " ")
		req := requestOf(t, c.args)
		target := filepath.Join(dir, req.Filename)
		q := runQemuCreate(t, dir, c.args...)
		removeAll(t, target)

		line, err := instarCreate(t, dir, req)
		removeAll(t, target)
		want := q.ok
		if c.diff != "" {
			want = c.want
		}
		switch {
		case want != (err == nil):
			t.Errorf("%s: qemu-img ok=%v %q %s; instar error=%v (code %v); difference: %q", name, q.ok, q.formatting, q.stderr, err, CodeOf(err), c.diff)
		case err == nil && q.ok && c.diff == "" && line != q.formatting:
			t.Errorf("%s:\ninstar   %q\nqemu-img %q", name, line, q.formatting)
		}
		if err != nil && !CodeOf(err).Known() || CodeOf(err) == Internal {
			t.Errorf("%s: error without a proper code: %v", name, err)
		}
	}
}

// instarCreate does what the cli does with --sandbox=none: open the backing
// relative to the image's directory unless -u, and create the image. It
// returns the Formatting line.
func instarCreate(t *testing.T, dir string, req *Request) (string, error) {
	t.Helper()
	o, err := ParseRequest(req)
	if err != nil || o.Help {
		return "", err // with -o help qemu-img lists the keys and succeeds
	}
	var backing *osFile
	var size int64
	if o.BackingFile != "" && !o.Unsafe {
		backing, size = openBacking(t, dir, o.BackingFile)
		if backing == nil {
			return "", newError(BackingReadFailed, "Could not open backing file "+o.BackingFile)
		}
	}
	var res *Result
	if backing != nil {
		res, err = CreateFile(req, backing, size, filepath.Join(dir, req.Filename))
	} else {
		res, err = CreateFile(req, nil, 0, filepath.Join(dir, req.Filename))
	}
	if err != nil {
		return "", err
	}
	return res.FormattingLine(req.Filename), nil
}
