package create

import (
	"sort"
	"strings"
	"testing"
)

// helpKeys returns the "key=<type>" entries of an -o help listing.
func helpKeys(text string) []string {
	var keys []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "  ") {
			k, _, _ := strings.Cut(strings.TrimSpace(line), " - ")
			keys = append(keys, strings.TrimSpace(k))
		}
	}
	sort.Strings(keys)
	return keys
}

// TestHelpListsQemuKeys checks -o help lists, for every format, exactly the
// keys and value types qemu-img lists when given a file name (the format's
// keys and the host file's). The descriptions are instar's own.
func TestHelpListsQemuKeys(t *testing.T) {
	dir := t.TempDir()
	for _, f := range Formats {
		q := runQemuCreate(t, dir, "-f", string(f), "-o", "help", "x")
		want := helpKeys(q.stdout)
		text, err := HelpText(string(f))
		if err != nil {
			t.Fatal(err)
		}
		got := helpKeys(text)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s:\ninstar   %v\nqemu-img %v", f, got, want)
		}
		if !strings.HasPrefix(text, "Supported "+string(f)+" options:\n") {
			t.Errorf("%s: help starts %q", f, text[:min(len(text), 40)])
		}
	}
	if _, err := HelpText("foo"); CodeOf(err) != UnsupportedFormat {
		t.Errorf("HelpText(foo): %v", err)
	}
	o, err := ParseRequest(&Request{Format: "qcow2", Filename: "x", Options: []string{"help,foo=1"}})
	if err != nil || !o.Help {
		t.Errorf("-o help,foo=1: %+v, %v (qemu-img prints the help)", o, err)
	}
}
