package abi

// MaxFormattingLen bounds the option list of a create result (the text
// after "Formatting 'NAME', ").
const MaxFormattingLen = 16 << 10

// Result is the one message the guest sends back. On success Code is 0 and
// exactly the body matching the request's operation is set; on failure Code
// is the create error code and Detail says what went wrong.
type Result struct {
	Version int           `json:"version"`
	Op      Op            `json:"op"`
	Code    uint32        `json:"code"`
	Detail  string        `json:"detail,omitempty"`
	Create  *CreateResult `json:"create,omitempty"`
}

// CreateResult describes the image the guest wrote to fd 4.
type CreateResult struct {
	// Formatting is qemu-img's option list as printed after
	// "Formatting 'NAME', ": "fmt=qcow2 cluster_size=65536 … size=… …".
	Formatting   string   `json:"formatting"`
	VirtualSize  int64    `json:"virtual_size"`
	UnitSize     int64    `json:"unit_size"` // cluster, grain or block size; 0 when the format has none
	BytesWritten int64    `json:"bytes_written"`
	FileSize     int64    `json:"file_size"`
	Warnings     []string `json:"warnings,omitempty"`
}

// Validate checks a result's shape and limits.
func (r *Result) Validate() error {
	if r.Version != Version {
		return malformed("unsupported result version %d (this build speaks %d)", r.Version, Version)
	}
	if r.Op != OpCreate && r.Op != OpInfo {
		return malformed("unknown operation %q", string(r.Op))
	}
	if err := checkString("detail", r.Detail, MaxDetailLen); err != nil {
		return err
	}
	if r.Code != 0 {
		if r.Create != nil {
			return malformed("a failed result carries a body")
		}
		return nil
	}
	switch r.Op {
	case OpCreate:
		if r.Create == nil {
			return malformed("a successful create result has no create body")
		}
		return r.Create.validate()
	default:
		if r.Create != nil {
			return malformed("an info result carries a create body")
		}
	}
	return nil
}

func (c *CreateResult) validate() error {
	if err := checkString("formatting", c.Formatting, MaxFormattingLen); err != nil {
		return err
	}
	for _, n := range []struct {
		field string
		v     int64
	}{{"virtual_size", c.VirtualSize}, {"unit_size", c.UnitSize}, {"bytes_written", c.BytesWritten}, {"file_size", c.FileSize}} {
		if n.v < 0 {
			return malformed("%s %d is negative", n.field, n.v)
		}
	}
	if len(c.Warnings) > MaxWarnings {
		return malformed("%d warnings (at most %d)", len(c.Warnings), MaxWarnings)
	}
	for _, w := range c.Warnings {
		if err := checkString("warnings", w, MaxWarningLen); err != nil {
			return err
		}
	}
	return nil
}
