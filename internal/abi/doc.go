// Package abi is the contract between the instar host and its sandboxed
// guest: one request goes to the guest on its standard input, one result
// comes back on its standard output.
//
// Both directions are JSON objects with a version number. Decoding is strict
// because the result comes from a guest that may have been subverted by the
// image it parsed: input beyond a size cap, unknown fields, an unknown
// version or operation, trailing data, out-of-range numbers and overlong
// strings are all refused with an error wrapping ErrMalformed. A decoded
// result is well formed, not trusted: its text still passes through Sanitize
// before it reaches a terminal.
//
// The package moves bytes only; it opens no files and interprets no images.
package abi
