package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/consign/consign/evidence"
)

// evidenceCommands are the subcommands of consign evidence.
func evidenceCommands() []command {
	return []command{
		{"export", "download the evidence bundle of a transfer from a node: consign evidence export --url URL --user USER ID", evidenceExport},
		{"verify", "check an evidence bundle offline, and its pins on a chain: consign evidence verify FILE [--rpc URL]", evidenceVerify},
	}
}

func cmdEvidence(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.stderr, "Usage: consign evidence export|verify [flags]\n")
		for _, c := range evidenceCommands() {
			fmt.Fprintf(env.stderr, "\n  %-8s  %s", c.name, c.summary)
		}
		fmt.Fprintln(env.stderr)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	for _, c := range evidenceCommands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.stderr, "consign evidence: unknown subcommand %q: want export or verify\n", args[0])
	return errUsage
}

// parseInterspersed parses flags given before and after the positional
// arguments (consign evidence verify FILE --rpc URL) and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func evidenceExport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "evidence export", "evidence export --url URL --user USER [--password-file FILE] [-o FILE] TRANSFER_ID")
	base := fs.String("url", "", "the node's `URL` (http://host:port, with or without /api/v1)")
	user := fs.String("user", "", "application credential `user` of the member whose log holds the transfer")
	pwFile := fs.String("password-file", "", "`file` whose first line is the credential's password (default: $CONSIGN_PASSWORD)")
	out := fs.String("o", "", "write the bundle to `file` (default evidence-<id>.tar; - for stdout)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("give one transfer id, not %d arguments: %w", len(pos), errUsage)
	}
	id := pos[0]
	if *base == "" || *user == "" {
		return errors.New("--url and --user are required")
	}
	pw := os.Getenv("CONSIGN_PASSWORD")
	if *pwFile != "" {
		if pw, err = readPassword(*pwFile); err != nil {
			return err
		}
	}
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSuffix(*base, "/"), "/api/v1"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q is not an http(s) URL", *base)
	}
	u = u.JoinPath("api", "v1", "transfers", id, "evidence")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(*user, pw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return fmt.Errorf("%s answered %s: %s", u.Redacted(), resp.Status, e.Error)
	}
	if *out == "-" {
		_, err := io.Copy(env.stdout, resp.Body)
		return err
	}
	path := *out
	if path == "" {
		path = "evidence-" + id + ".tar"
	}
	// Write beside the target and rename, so that no partial bundle is left.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".evidence-*.tar")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, resp.Body)
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err != nil {
		return fmt.Errorf("downloading the bundle: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "wrote %s (%d bytes); check it with: consign evidence verify %s --rpc <JSON-RPC URL>\n", path, n, path)
	return nil
}

func evidenceVerify(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "evidence verify", "evidence verify FILE [--rpc URL]")
	rpcURL := fs.String("rpc", "", "Ethereum JSON-RPC `URL`: also check that the pins are on this chain's canonical history")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("give one bundle file, not %d arguments: %w", len(pos), errUsage)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	var opts evidence.VerifyOptions
	if *rpcURL != "" {
		c, err := dial(ctx, *rpcURL)
		if err != nil {
			return err
		}
		defer c.Close()
		opts.Chain = c
	}
	rep, err := evidence.Verify(ctx, f, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	rep.WriteText(env.stdout)
	if fails := rep.Failures(); len(fails) > 0 {
		return fmt.Errorf("%s does not verify: %s: %s", pos[0], fails[0].Name, fails[0].Detail)
	}
	return nil
}
