package create

import (
	"fmt"
	"sort"
	"strings"
)

// HelpText returns what `-o help` prints for the format named name: every
// key instar accepts for it, sorted, with its value type, as qemu-img lists
// them (the descriptions are instar's own). An unknown format is an
// UnsupportedFormat error.
func HelpText(name string) (string, error) {
	f, err := ParseFormat(name)
	if err != nil {
		return "", err
	}
	descs := append([]keyDesc(nil), formatKeys[f]...)
	sort.Slice(descs, func(i, j int) bool { return descs[i].name < descs[j].name })
	var b strings.Builder
	fmt.Fprintf(&b, "Supported %s options:\n", f)
	for _, d := range descs {
		if d.flagOnly {
			continue
		}
		fmt.Fprintf(&b, "  %-22s - %s\n", d.name+"=<"+d.kind.String()+">", d.help)
	}
	return b.String(), nil
}
