package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// cmdCredential manages a node's application credentials (HTTP Basic).
//
//	consign credential create --config FILE [--member ID]
//	consign credential list   --config FILE
//	consign credential revoke --config FILE USER
func cmdCredential(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(env.stderr, "Usage: consign credential create|list|revoke --config FILE ...\n")
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	verb, rest := args[0], args[1:]
	fs := newFlags(env, "credential "+verb, "credential "+verb+" --config FILE [flags]")
	path := fs.String("config", "", "the node's YAML configuration file")
	member := fs.String("member", "", "member the credential is issued to (default: the node's member)")
	cfg, err := parseNodeConfig(fs, rest, path)
	if err != nil {
		return err
	}
	db, store, creds, err := openMetadata(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	switch verb {
	case "create":
		m := *member
		if m == "" {
			m = cfg.Member
		}
		user, password, err := creds.Create(ctx, cfg.Environment, m)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stderr, "The password is shown once; Consign keeps only its argon2id hash.")
		return enc.Encode(map[string]string{"user": user, "password": password, "environment": cfg.Environment, "member": m})
	case "list":
		list, err := store.List(ctx, cfg.Environment)
		if err != nil {
			return err
		}
		type row struct {
			User    string `json:"user"`
			Member  string `json:"member"`
			Created string `json:"created"`
		}
		out := []row{}
		for _, c := range list {
			out = append(out, row{c.User, c.Member, c.Created.UTC().Format("2006-01-02T15:04:05Z")})
		}
		return enc.Encode(out)
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("revoke takes the user name to revoke")
		}
		return creds.Revoke(ctx, fs.Arg(0))
	}
	return fmt.Errorf("unknown verb %q: want create, list or revoke", verb)
}
