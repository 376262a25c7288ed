package main

import (
	"fmt"
	"strings"
)

// optSpec describes one option of a command in the way getopt_long(3) does,
// which is how qemu-img parses its flags: a short letter (0 for long-only),
// a long name ("" for short-only) and whether it takes a value.
type optSpec struct {
	short    byte
	long     string
	hasValue bool
}

// parsedOpt is one option occurrence, in command-line order, under the key
// that identifies its spec (the long name, or the short letter).
type parsedOpt struct {
	key   string
	value string
}

// usageError is a command-line mistake: it is reported with a hint to run
// --help, and no image is touched.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// getopt parses args with GNU getopt_long semantics: options may follow
// positionals (the argument list is permuted), short options bundle ("-qf
// qcow2"), values attach ("-fqcow2", "--output=json") or follow ("--output
// json"), a long name may be abbreviated to any unambiguous prefix, and "--"
// ends the options. Options come back in order so that repeatable ones (-o)
// keep every value and the last of a single-valued one wins.
func getopt(specs []optSpec, args []string) (opts []parsedOpt, positional []string, err error) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			return opts, append(positional, args[i+1:]...), nil
		case strings.HasPrefix(arg, "--"):
			name, value, attached := strings.Cut(arg[2:], "=")
			spec, err := lookupLong(specs, name)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case spec.hasValue && !attached:
				if i+1 >= len(args) {
					return nil, nil, usagef("missing argument for option '--%s'", spec.long)
				}
				i++
				value = args[i]
			case !spec.hasValue && attached:
				return nil, nil, usagef("option '--%s' doesn't allow an argument", spec.long)
			}
			opts = append(opts, parsedOpt{key: spec.key(), value: value})
		case len(arg) > 1 && arg[0] == '-':
			for j := 1; j < len(arg); j++ {
				spec := lookupShort(specs, arg[j])
				if spec == nil {
					return nil, nil, usagef("unrecognized option '-%c'", arg[j])
				}
				if !spec.hasValue {
					opts = append(opts, parsedOpt{key: spec.key()})
					continue
				}
				value := arg[j+1:]
				if value == "" {
					if i+1 >= len(args) {
						return nil, nil, usagef("missing argument for option '-%c'", arg[j])
					}
					i++
					value = args[i]
				}
				opts = append(opts, parsedOpt{key: spec.key(), value: value})
				break
			}
		default:
			positional = append(positional, arg)
		}
	}
	return opts, positional, nil
}

// key names a spec in parsed output: its long name when it has one.
func (s *optSpec) key() string {
	if s.long != "" {
		return s.long
	}
	return string(s.short)
}

func lookupShort(specs []optSpec, c byte) *optSpec {
	for i := range specs {
		if specs[i].short == c {
			return &specs[i]
		}
	}
	return nil
}

// lookupLong finds a long option by its exact name or by a prefix that
// matches exactly one option, as getopt_long does.
func lookupLong(specs []optSpec, name string) (*optSpec, error) {
	var match *optSpec
	for i := range specs {
		s := &specs[i]
		if s.long == "" || !strings.HasPrefix(s.long, name) || name == "" {
			continue
		}
		if s.long == name {
			return s, nil
		}
		if match != nil {
			return nil, usagef("option '--%s' is ambiguous", name)
		}
		match = s
	}
	if match == nil {
		return nil, usagef("unrecognized option '--%s'", name)
	}
	return match, nil
}
