package vmdk

import "bytes"

// bytesReader is an io.ReaderAt over a byte slice.
func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
