package main

import "errors"

// errHelp is returned by the flag parsers for -h/--help: usage is printed
// and the command succeeds.
var errHelp = errors.New("help requested")

// outputMode is the --output value.
type outputMode int

// The output modes.
const (
	outputHuman outputMode = iota
	outputJSON
)

// String returns the --output spelling.
func (m outputMode) String() string {
	if m == outputJSON {
		return "json"
	}
	return "human"
}

func parseOutput(s string) (outputMode, error) {
	switch s {
	case "human":
		return outputHuman, nil
	case "json":
		return outputJSON, nil
	}
	return 0, usagef("--output must be 'human' or 'json', not '%s'", s)
}

// sandboxMode is the --sandbox value: where untrusted bytes are parsed.
type sandboxMode int

// The sandbox modes.
const (
	sandboxKVM  sandboxMode = iota // a KVM micro-VM running this executable as guest
	sandboxNone                    // in this process: unsafe for untrusted images
)

// String returns the --sandbox spelling.
func (m sandboxMode) String() string {
	if m == sandboxNone {
		return "none"
	}
	return "kvm"
}

func parseSandbox(s string) (sandboxMode, error) {
	switch s {
	case "kvm":
		return sandboxKVM, nil
	case "none":
		return sandboxNone, nil
	}
	return 0, usagef("--sandbox must be 'kvm' or 'none', not '%s'", s)
}

// createArgs is the parsed create command line.
type createArgs struct {
	quiet         bool
	format        string
	backing       string
	hasBacking    bool // -b was given, even as ""
	backingFormat string
	unsafe        bool
	options       []string
	output        outputMode
	sandbox       sandboxMode
	filename      string
	size          string // "" when absent
}

var createSpecs = []optSpec{
	{short: 'q'},
	{short: 'f', hasValue: true},
	{short: 'b', hasValue: true},
	{short: 'F', hasValue: true},
	{short: 'u'},
	{short: 'o', hasValue: true},
	{short: 'h', long: "help"},
	{long: "output", hasValue: true},
	{long: "sandbox", hasValue: true},
}

// parseCreateArgs parses create's flags and positionals (FILENAME [SIZE]).
func parseCreateArgs(args []string) (*createArgs, error) {
	opts, pos, err := getopt(createSpecs, args)
	if err != nil {
		return nil, err
	}
	a := &createArgs{format: "raw"}
	for _, o := range opts {
		switch o.key {
		case "q":
			a.quiet = true
		case "f":
			a.format = o.value
		case "b":
			a.backing, a.hasBacking = o.value, true
		case "F":
			a.backingFormat = o.value
		case "u":
			a.unsafe = true
		case "o":
			a.options = append(a.options, o.value)
		case "help":
			return nil, errHelp
		case "output":
			if a.output, err = parseOutput(o.value); err != nil {
				return nil, err
			}
		case "sandbox":
			if a.sandbox, err = parseSandbox(o.value); err != nil {
				return nil, err
			}
		}
	}
	// FILENAME may be missing only for "-o help", which create's own
	// option parser recognises (runCreate checks).
	switch len(pos) {
	case 0:
	case 1, 2:
		a.filename = pos[0]
		if len(pos) == 2 {
			a.size = pos[1]
		}
	default:
		return nil, usagef("Unexpected argument: %s", pos[2])
	}
	return a, nil
}

// errNoFilename is the usage error for a create without FILENAME.
var errNoFilename = usagef("Expecting image file name")

// infoArgs is the parsed info command line.
type infoArgs struct {
	format       string // "" to detect
	output       outputMode
	backingChain bool
	sandbox      sandboxMode
	filename     string
}

var infoSpecs = []optSpec{
	{short: 'f', long: "format", hasValue: true},
	{short: 'h', long: "help"},
	{short: 'U', long: "force-share"},
	{long: "output", hasValue: true},
	{long: "backing-chain"},
	{long: "sandbox", hasValue: true},
}

// parseInfoArgs parses info's flags and its one positional, FILENAME.
func parseInfoArgs(args []string) (*infoArgs, error) {
	opts, pos, err := getopt(infoSpecs, args)
	if err != nil {
		return nil, err
	}
	a := &infoArgs{}
	for _, o := range opts {
		switch o.key {
		case "format":
			a.format = o.value
		case "help":
			return nil, errHelp
		case "force-share":
			// instar takes no locks, so sharing is always allowed; -U is
			// accepted for command lines written for qemu-img.
		case "output":
			if a.output, err = parseOutput(o.value); err != nil {
				return nil, err
			}
		case "backing-chain":
			a.backingChain = true
		case "sandbox":
			if a.sandbox, err = parseSandbox(o.value); err != nil {
				return nil, err
			}
		}
	}
	if len(pos) != 1 {
		return nil, usagef("Expecting one image file name")
	}
	a.filename = pos[0]
	return a, nil
}
