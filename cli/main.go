package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/instar-go/instar/internal/guest"
)

func main() {
	if guest.IsGuest(os.Args, os.Getenv) {
		os.Exit(guest.Main())
	}
	// An interrupt cancels the sandbox run, so the temporary output file
	// is removed before instar exits; a second one kills it as usual.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: instar COMMAND [OPTIONS]

Commands:
  create [-q] [-f FMT] [-b BACKING [-F BACKING_FMT]] [-u] [-o OPTIONS]... [--output human|json] [--sandbox kvm|none] FILENAME [SIZE]
  info [-f FMT] [--output human|json] [--backing-chain] [-U] [--sandbox kvm|none] FILENAME

Untrusted image bytes are parsed only inside a KVM sandbox; --sandbox=none
parses them in this process and is unsafe for images you did not make.
See docs/create.md and docs/info.md.
`

// run executes one command line and returns the exit status: 0 on success,
// 1 on any failure. No panic escapes it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (status int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "instar: internal error: %s (please report it with the command line)\n", sanitize(fmt.Sprint(r)))
			status = 1
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	var err error
	switch args[0] {
	case "create":
		err = runCreate(ctx, args[1:], stdout, stderr)
	case "info":
		err = runInfo(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		reportError(stderr, "", usagef("unknown command '%s'", args[0]))
		return 1
	}
	if err == nil {
		return 0
	}
	reportError(stderr, args[0], err)
	return 1
}
