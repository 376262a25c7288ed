package main

import (
	"github.com/instar-go/instar/create"
	"os"
)

// preallocate reserves (falloc) or zero-fills (full) the ranges.
func preallocate(f *os.File, mode create.Preallocation, ranges []create.Range) error {
	return &create.Error{Code: create.InvalidOption, Msg: "preallocation=" + mode.String() + " is not supported yet"}
}
