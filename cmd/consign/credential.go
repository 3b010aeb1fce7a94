package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/consign/consign/internal/auth"
)

// cmdCredential manages a node's application credentials (HTTP Basic).
//
//	consign credential create --config FILE [--member ID]
//	consign credential list   --config FILE
//	consign credential revoke --config FILE USER
//
// With --operator they act on the node's operator credentials, those of
// the management API (docs/admin.md), kept apart from the application
// credentials.
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
	operator := fs.Bool("operator", false, "an operator credential of the management API instead of an application credential")
	cfg, err := parseNodeConfig(fs, rest, path)
	if err != nil {
		return err
	}
	db, store, creds, err := openMetadata(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if *operator {
		return operatorCredential(ctx, env, db, verb, fs.Args())
	}
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

// operatorEnvironment is the environment field of operator credentials:
// they belong to no environment.
const operatorEnvironment = "*"

// operatorCredential runs verb on the operator credentials in db.
func operatorCredential(ctx context.Context, env *cliEnv, db *sql.DB, verb string, args []string) error {
	store := auth.NewOperatorSQLStore(db, auth.SQLite)
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	creds, err := auth.New(store, auth.Config{})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	switch verb {
	case "create":
		user, password, err := creds.Create(ctx, operatorEnvironment, "operator")
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stderr, "The password is shown once; Consign keeps only its argon2id hash.")
		return enc.Encode(map[string]string{"user": user, "password": password})
	case "list":
		list, err := store.List(ctx, operatorEnvironment)
		if err != nil {
			return err
		}
		type row struct {
			User    string `json:"user"`
			Created string `json:"created"`
		}
		out := []row{}
		for _, c := range list {
			out = append(out, row{c.User, c.Created.UTC().Format("2006-01-02T15:04:05Z")})
		}
		return enc.Encode(out)
	case "revoke":
		if len(args) != 1 {
			return errors.New("revoke takes the user name to revoke")
		}
		return creds.Revoke(ctx, args[0])
	}
	return fmt.Errorf("unknown verb %q: want create, list or revoke", verb)
}
