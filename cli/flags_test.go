package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCreateFlagsGNU checks the getopt_long behaviours qemu-img users rely
// on: flags after positionals, bundling, attached values, both --output
// spellings, repeated -o and "--".
func TestCreateFlagsGNU(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want createArgs
	}{
		{[]string{"a.qcow2", "-f", "qcow2", "1G"}, createArgs{format: "qcow2", filename: "a.qcow2", size: "1G"}},
		{[]string{"-qf", "qcow2", "a", "1G"}, createArgs{quiet: true, format: "qcow2", filename: "a", size: "1G"}},
		{[]string{"-fqcow2", "a"}, createArgs{format: "qcow2", filename: "a"}},
		{[]string{"-qfvmdk", "a"}, createArgs{quiet: true, format: "vmdk", filename: "a"}},
		{[]string{"--output=json", "a"}, createArgs{format: "raw", output: outputJSON, filename: "a"}},
		{[]string{"a", "--output", "json"}, createArgs{format: "raw", output: outputJSON, filename: "a"}},
		{[]string{"--out=json", "--sand", "none", "a"}, createArgs{format: "raw", output: outputJSON, sandbox: sandboxNone, filename: "a"}},
		{[]string{"-o", "cluster_size=512", "a", "-o", "refcount_bits=8,lazy_refcounts=on", "-ocompat=1.1"},
			createArgs{format: "raw", options: []string{"cluster_size=512", "refcount_bits=8,lazy_refcounts=on", "compat=1.1"}, filename: "a"}},
		{[]string{"-f", "qcow2", "-f", "vmdk", "a"}, createArgs{format: "vmdk", filename: "a"}},
		{[]string{"-ub", "p.qcow2", "-F", "qcow2", "c", "1M"}, createArgs{format: "raw", unsafe: true, backing: "p.qcow2", hasBacking: true, backingFormat: "qcow2", filename: "c", size: "1M"}},
		{[]string{"-q", "--", "-f", "1M"}, createArgs{quiet: true, format: "raw", filename: "-f", size: "1M"}},
		{[]string{"-b", "-weird", "-F", "raw", "c"}, createArgs{format: "raw", backing: "-weird", hasBacking: true, backingFormat: "raw", filename: "c"}},
		{[]string{"-o", "help"}, createArgs{format: "raw", options: []string{"help"}}},
	} {
		got, err := parseCreateArgs(tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.want, *got, cmp.AllowUnexported(createArgs{})); diff != "" {
			t.Errorf("%q: (-want +got)\n%s", tc.args, diff)
		}
	}
}

func TestCreateFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"a", "1G", "2G"}, "Unexpected argument: 2G"},
		{[]string{"-x", "a"}, "unrecognized option '-x'"},
		{[]string{"--frobnicate", "a"}, "unrecognized option '--frobnicate'"},
		{[]string{"a", "-f"}, "missing argument for option '-f'"},
		{[]string{"a", "--output"}, "missing argument for option '--output'"},
		{[]string{"--output=yaml", "a"}, "--output must be 'human' or 'json', not 'yaml'"},
		{[]string{"--sandbox=gvisor", "a"}, "--sandbox must be 'kvm' or 'none', not 'gvisor'"},
		{[]string{"--help=x", "a"}, "option '--help' doesn't allow an argument"},
	} {
		_, err := parseCreateArgs(tc.args)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.msg, tc.want) {
			t.Errorf("%q: got %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := parseCreateArgs([]string{"a", "-h"}); !errors.Is(err, errHelp) {
		t.Errorf("-h: got %v, want errHelp", err)
	}
}

func TestInfoFlags(t *testing.T) {
	got, err := parseInfoArgs([]string{"x.qcow2", "--backing-chain", "-U", "--output", "json", "-fqcow2"})
	if err != nil {
		t.Fatal(err)
	}
	want := infoArgs{format: "qcow2", output: outputJSON, backingChain: true, filename: "x.qcow2"}
	if diff := cmp.Diff(want, *got, cmp.AllowUnexported(infoArgs{})); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	for _, args := range [][]string{nil, {"a", "b"}, {"--back"}} {
		if _, err := parseInfoArgs(args); err == nil {
			t.Errorf("%q: accepted", args)
		}
	}
}

// FuzzGetopt checks that no argument list makes the parser panic, and that
// every positional it returns is one of the arguments.
func FuzzGetopt(f *testing.F) {
	f.Add("-qf\x00qcow2\x00a.qcow2\x00--output=json\x001G")
	f.Add("--\x00-o\x00--out\x00json")
	f.Add("-o\x00-b\x00--sand=none\x00--help=x")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		opts, pos, err := getopt(createSpecs, args)
		if err != nil {
			return
		}
		given := map[string]bool{}
		for _, a := range args {
			given[a] = true
		}
		for _, p := range pos {
			if !given[p] {
				t.Fatalf("%q: positional %q is not an argument (options %v)", args, p, opts)
			}
		}
	})
}
