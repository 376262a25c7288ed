package guest

// Arg is the one command-line argument (after the program name) of an
// instar executable started as the sandbox guest.
const Arg = "__instar_guest__"

// EnvVar and EnvValue are the environment variable the host sets for the
// guest, together with Arg.
const (
	EnvVar   = "INSTAR_GUEST"
	EnvValue = "1"
)

// IsGuest reports whether a process with these arguments (os.Args) and
// this environment lookup (os.Getenv) is the sandbox guest.
func IsGuest(args []string, getenv func(string) string) bool {
	return len(args) == 2 && args[1] == Arg && getenv(EnvVar) == EnvValue
}
