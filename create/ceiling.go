package create

import "fmt"

// rawMaxSize is the largest raw image: qemu rounds the size up to 512 and
// the file length is a signed 64-bit number.
const rawMaxSize = MaxSize &^ (SectorSize - 1)

// ceilingRow is one row of the ceiling table: the largest virtual size a
// target accepts for the chosen options, and what to try instead.
type ceilingRow struct {
	max  int64
	what string // the limit's reason, e.g. "qcow2 with cluster_size=65536"
	hint string // shown when a backing is too large
}

// ceiling returns the row for the target and options of o.
func ceiling(o *Options) ceilingRow { return ceilingRows[o.Format](o) }

// checkExplicitSize refuses an explicit SIZE beyond the target's limit,
// naming the limit.
func checkExplicitSize(o *Options) error {
	rounded, err := RoundToSector(o.Size)
	row := ceiling(o)
	if row.max == 0 {
		return nil // invalid options (a bad cluster size), already reported
	}
	if err != nil || rounded > row.max {
		return wrapError(InvalidSize, fmt.Sprintf("Image size %d is too large for %s: the maximum is %d bytes", o.Size, row.what, row.max), ErrTooLarge)
	}
	return nil
}

// checkBackingSize refuses a backing whose virtual size exceeds the target's
// limit, with a hint at what to change.
func checkBackingSize(o *Options, size int64) error {
	row := ceiling(o)
	if size > row.max {
		return wrapError(BackingTooLarge, fmt.Sprintf("The backing file's virtual size %d is larger than %s allows (at most %d bytes); %s", size, row.what, row.max, row.hint), ErrTooLarge)
	}
	return nil
}
