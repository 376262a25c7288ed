package vhd

import (
	"encoding/json"
	"testing"
	"time"
)

func TestUUIDText(t *testing.T) {
	u := UUID{0x28, 0x17, 0x7d, 0x98, 0xfb, 0xa8, 0x4a, 0x60, 0xa3, 0x14, 0x06, 0xaf, 0x06, 0x59, 0x93, 0x42}
	const s = "28177d98-fba8-4a60-a314-06af06599342"
	if u.String() != s {
		t.Fatalf("String %s, want %s", u, s)
	}
	var v UUID
	if err := v.UnmarshalText([]byte(s)); err != nil || v != u {
		t.Fatalf("UnmarshalText: %v, %s", err, v)
	}
	for _, bad := range []string{"", "28177d98fba84a60a31406af06599342", "28177d98-fba8-4a60-a314-06af0659934g"} {
		if err := v.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) accepted", bad)
		}
	}
}

func TestDiskTypeJSON(t *testing.T) {
	for _, d := range []DiskType{DiskTypeFixed, DiskTypeDynamic, DiskTypeDifferencing} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back DiskType
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("%s: %s -> %v, %v", d, b, back, err)
		}
	}
	if err := new(DiskType).UnmarshalText([]byte("sparse")); err == nil {
		t.Error("unknown disk type accepted")
	}
	if DiskType(9).String() != "DiskType(9)" || PlatformW2ru.String() != "W2ru" || PlatformCode(1).String() != "PlatformCode(0x1)" {
		t.Error("String of unknown values")
	}
}

func TestTimestamp(t *testing.T) {
	ts, err := TimestampOf(time.Date(2000, 1, 1, 0, 0, 10, 0, time.UTC))
	if err != nil || ts != 10 || ts.String() != "2000-01-01T00:00:10Z" {
		t.Errorf("TimestampOf: %d %v %s", ts, err, ts)
	}
	if _, err := TimestampOf(time.Unix(timestampEpoch+1<<32, 0)); err == nil {
		t.Error("a time after 2136 was accepted")
	}
}
