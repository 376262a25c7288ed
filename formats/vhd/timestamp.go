package vhd

import (
	"fmt"
	"time"
)

// timestampEpoch is the VHD epoch, 2000-01-01T00:00:00Z, in Unix seconds.
const timestampEpoch = 946684800

// Timestamp is a VHD time stamp: seconds since 2000-01-01 00:00:00 UTC.
type Timestamp uint32

// Time converts the time stamp to a time.Time in UTC.
func (t Timestamp) Time() time.Time { return time.Unix(timestampEpoch+int64(t), 0).UTC() }

// String formats the time stamp in RFC 3339.
func (t Timestamp) String() string { return t.Time().Format(time.RFC3339) }

// TimestampOf converts a time to a VHD time stamp. It fails for times
// before 2000 or after 2136, which the 32-bit field cannot hold.
func TimestampOf(t time.Time) (Timestamp, error) {
	s := t.Unix() - timestampEpoch
	if s < 0 || s > 0xFFFFFFFF {
		return 0, fmt.Errorf("%w: time %s is outside the VHD time stamp range 2000-01-01..2136-02-07", ErrInvalidOption, t.UTC().Format(time.RFC3339))
	}
	return Timestamp(s), nil
}
