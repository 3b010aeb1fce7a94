// Command consign runs a Consign node and its client tools.
//
//	consign dev     run a whole demo environment in one process
//	consign serve   run one member node against real infrastructure
//	consign version print the version
//
// Run `consign help COMMAND` for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand: its name, a one-line summary for the
// overview, and the function that runs it with the remaining arguments.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv carries the process's standard streams so commands are testable.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{"dev", "run a demo environment (members, chain, storage, broker, console) in one process", cmdDev},
		{"serve", "run one member node: consign serve --config consign.yaml", cmdServe},
		{"admin", "the management API: consortia, environments, invitations, appcreds, idproofs (consign admin --help)", cmdAdmin},
		{"credential", "issue, list and revoke application credentials: consign credential create --config FILE", cmdCredential},
		{"keygen", "generate a destination key and self-signed certificate (or a CSR)", cmdKeygen},
		{"seal", "seal a document to one or more recipient certificates", cmdSeal},
		{"open", "open a sealed document with a recipient key", cmdOpen},
		{"idproof", "verify an identity proof: consign idproof verify --chain PEM --env ID --nonce N", cmdIDProof},
		{"evidence", "export and verify transfer evidence bundles: consign evidence verify FILE [--rpc URL]", cmdEvidence},
		{"chain", "deploy and inspect the registry and pin contracts: consign chain deploy", cmdChain},
		{"version", "print the version", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and turns its error into one line on
// stderr and a non-zero exit code.
func run(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(env.stdout)
		return 0
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		name, rest = args[1], []string{"--help"}
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, env, rest)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(env.stderr, "consign %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(env.stderr, "consign: unknown command %q; run `consign --help` for the list\n", name)
	return 2
}

// errUsage marks an error already reported by a flag set.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintf(w, "consign: private, provable document and message exchange between consortium members (version %s)\n\n", version)
	fmt.Fprintf(w, "Usage:\n  consign COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun `consign COMMAND --help` for a command's flags. Quick start: `consign dev`.\n")
}

// newFlags returns a flag set that prints its usage to env.stderr with a
// one-line description and reports parse failures as errUsage.
func newFlags(env *cliEnv, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("consign "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: consign %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

func cmdVersion(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "version", "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "consign %s\n", version)
	return nil
}
