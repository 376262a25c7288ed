package create

import "fmt"

// ceilingRows holds the ceiling row of each non-raw target.
var ceilingRows = map[Format]func(o *Options) ceilingRow{}

// ceilingFormat returns the ceiling row of a non-raw target.
func ceilingFormat(o *Options) (ceilingRow, error) {
	row, ok := ceilingRows[o.Format]
	if !ok {
		return ceilingRow{}, newError(UnsupportedFormat, fmt.Sprintf("instar cannot create %s images in this build", o.Format))
	}
	return row(o), nil
}
