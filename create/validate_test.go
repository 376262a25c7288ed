package create

import (
	"strings"
	"testing"
)

// TestProblemsNameKeyValueAndRange checks that each validation problem
// names the key, the value and what is allowed, and that all problems of a
// request are reported together.
func TestProblemsNameKeyValueAndRange(t *testing.T) {
	for _, c := range []struct {
		format string
		opts   string
		want   []string
	}{
		{"qcow2", "cluster_size=3k", []string{"cluster_size=3072", "512 and 2048k"}},
		{"qcow2", "compat=2", []string{"compat", "'2'", "0.10, v2, 1.1, v3"}},
		{"qcow2", "refcount_bits=3", []string{"refcount_bits=3", "power of two", "64"}},
		{"qcow2", "subformat=fixed", []string{"Invalid parameter 'subformat'", "vmdk, vpc, vhdx"}},
		{"qcow2", "foo=1", []string{"Invalid parameter 'foo'", "cluster_size"}},
		{"raw", "preallocation=metadata", []string{"preallocation", "metadata", "off, falloc, full"}},
		{"vmdk", "adapter_type=scsi", []string{"adapter_type", "'scsi'", "ide, buslogic, lsilogic, legacyESX"}},
		{"vmdk", "subformat=monolithicFlat", []string{"monolithicFlat", "monolithicSparse, streamOptimized"}},
		{"vpc", "subformat=foo", []string{"subformat", "'foo'", "dynamic, fixed"}},
		{"vhdx", "block_size=3M", []string{"block_size=3145728", "1M to 256M"}},
		{"vhdx", "log_size=5G", []string{"log_size=5368709120", "4095M"}},
		{"qcow2", "lazy_refcounts=maybe", []string{"lazy_refcounts", "'maybe'", "'on' or 'off'"}},
		{"qcow2", "data_file=d", []string{"data_file", "not supported by instar"}},
	} {
		_, err := ParseRequest(&Request{Format: c.format, Filename: "x", Size: "1M", Options: []string{c.opts}})
		if err == nil {
			t.Errorf("%s -o %s: accepted", c.format, c.opts)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s -o %s: %q lacks %q", c.format, c.opts, err, w)
			}
		}
	}

	// Several problems at once, each its own line, in the order given.
	_, err := ParseRequest(&Request{Format: "qcow2", Filename: "x", Size: "1M", BackingFile: "b", HasBackingFile: true,
		Options: []string{"cluster_size=3k,compat=0.10,lazy_refcounts=on", "size=2M"}})
	ps := Problems(err)
	var msgs []string
	for _, p := range ps {
		msgs = append(msgs, p.Msg)
	}
	for _, w := range []string{"only once", "without backing format", "Cluster size", "Lazy refcounts"} {
		if !strings.Contains(strings.Join(msgs, "\n"), w) {
			t.Errorf("problems %q lack %q", msgs, w)
		}
	}
	if len(strings.Split(err.Error(), "\n")) != len(ps) || len(ps) != 4 {
		t.Errorf("want 4 problems, one per line: %q", err)
	}
}

// TestIgnoredKeysWarn checks the host-file keys instar accepts but ignores
// say so.
func TestIgnoredKeysWarn(t *testing.T) {
	o, err := ParseRequest(&Request{Format: "raw", Filename: "x", Size: "1M", Options: []string{"nocow=on,extent_size_hint=1M"}})
	if err != nil || len(o.Warnings) != 2 {
		t.Errorf("warnings %q, %v", o.Warnings, err)
	}
	o, err = ParseRequest(&Request{Format: "raw", Filename: "x", Size: "1M", Options: []string{"nocow=off,extent_size_hint=0"}})
	if err != nil || len(o.Warnings) != 0 {
		t.Errorf("warnings %q, %v", o.Warnings, err)
	}
}

// TestBackingNameLimits checks the backing-name codes: a path longer than
// any path, a name longer than the target records, and a name the target
// cannot write.
func TestBackingNameLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, c := range []struct {
		format, name string
		want         Code
	}{
		{"qcow2", long(1023), OK},
		{"qcow2", long(1024), ParentNameTooLong},
		{"qcow2", long(MaxBackingPath + 1), BackingPathTooLong},
		{"vmdk", long(4074), OK},
		{"vmdk", long(4075), ParentNameTooLong},
		{"vmdk", "a\"b.vmdk", ParentPathNotRepresentable},
		{"vmdk", "a\nb.vmdk", ParentPathNotRepresentable},
		{"qcow2", "a\x00b", ParentPathNotRepresentable},
	} {
		req := &Request{Format: c.format, Filename: "x", Size: "1M", BackingFile: c.name, BackingFormat: c.format, Unsafe: true}
		_, err := Create(req, nil, -1, discard{})
		if CodeOf(err) != c.want {
			t.Errorf("%s backing of %d bytes %.20q: %v (%v), want %v", c.format, len(c.name), c.name, CodeOf(err), err, c.want)
		}
	}
}
