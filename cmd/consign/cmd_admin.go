package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// adminUsage lists what `consign admin` does; every verb is one call of
// the management API (docs/admin.md).
const adminUsage = `Usage: consign admin [--url URL --user U --password P | --dev dev.json] RESOURCE VERB [flags]

  consortia    list | create --name N
  environments list --consortium C | create --consortium C --name N [--chain-id ID] [--consensus poa|raft|ibft]
  memberships  list --consortium C
  invitations  list --consortium C | create --consortium C --env E --org ORG [--ttl-hours H]
               accept --consortium C --token T --membership M --owner 0xADDRESS
  appcreds     list | create --membership M | rotate USER | revoke USER   (all with --consortium C --env E)
  idproofs     list | request (both --membership M)
               upload --membership M --nonce N --chain FILE   (PEM chain, leaf first; - for stdin)

The operator credential comes from --user/--password, CONSIGN_ADMIN_USER and
CONSIGN_ADMIN_PASSWORD, or the "operator" of a consign dev's dev.json (--dev).
The answer is printed as JSON.`

func cmdAdmin(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "admin", "admin [flags] RESOURCE VERB [flags]")
	fs.Usage = func() { fmt.Fprintln(env.stderr, adminUsage) }
	base := fs.String("url", os.Getenv("CONSIGN_ADMIN_URL"), "the node's address, e.g. http://127.0.0.1:8080 (or CONSIGN_ADMIN_URL)")
	user := fs.String("user", os.Getenv("CONSIGN_ADMIN_USER"), "operator credential user name")
	password := fs.String("password", os.Getenv("CONSIGN_ADMIN_PASSWORD"), "operator credential password")
	devPath := fs.String("dev", "", "a consign dev's dev.json: its address and operator credential")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *devPath != "" {
		var f devFile
		data, err := os.ReadFile(*devPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("%s: %w", *devPath, err)
		}
		*base = strings.TrimSuffix(f.APIURL, "/api/v1")
		*user, *password = f.Operator.User, f.Operator.Password
	}
	rest := fs.Args()
	if len(rest) < 2 {
		fmt.Fprintln(env.stderr, adminUsage)
		return errUsage
	}
	if *base == "" || *user == "" {
		return errors.New("give the node with --url (or --dev) and the operator credential with --user and --password")
	}
	c := adminClient{base: strings.TrimRight(*base, "/") + "/api/v1", user: *user, password: *password, out: env.stdout,
		http: &http.Client{Timeout: 2 * time.Minute}}
	return c.run(ctx, env, rest[0], rest[1], rest[2:])
}

type adminClient struct {
	base, user, password string
	out                  io.Writer
	http                 *http.Client
}

// run maps RESOURCE VERB and its flags to one API call.
func (c adminClient) run(ctx context.Context, env *cliEnv, resource, verb string, args []string) error {
	fs := newFlags(env, "admin "+resource+" "+verb, "admin "+resource+" "+verb+" [flags]")
	cons := fs.String("consortium", "", "consortium id")
	envID := fs.String("env", "", "environment id")
	name := fs.String("name", "", "name")
	chainID := fs.Uint64("chain-id", 0, "the environment's chain id")
	consensus := fs.String("consensus", "poa", "poa, raft or ibft")
	org := fs.String("org", "", "the invited organization's name")
	ttl := fs.Float64("ttl-hours", 0, "invitation lifetime in hours (0: the node's default)")
	token := fs.String("token", "", "the invitation's token")
	membership := fs.String("membership", "", "membership id")
	owner := fs.String("owner", "", "the member's Ethereum address")
	nonce := fs.String("nonce", "", "the identity-proof nonce (from idproofs request)")
	chainFile := fs.String("chain", "", "PEM certificate chain file, leaf first (- for stdin)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// need checks that the flags named are set.
	need := func(names ...string) error {
		var missing []string
		for _, n := range names {
			if fs.Lookup(n).Value.String() == "" {
				missing = append(missing, "--"+n)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s %s needs %s", resource, verb, strings.Join(missing, ", "))
		}
		return nil
	}
	esc := url.PathEscape
	envPath := func() string { return "/consortia/" + esc(*cons) + "/environments/" + esc(*envID) }
	arg := func() (string, error) {
		if fs.NArg() != 1 {
			return "", fmt.Errorf("%s %s takes the credential's user name", resource, verb)
		}
		return fs.Arg(0), nil
	}
	switch resource + " " + verb {
	case "consortia list":
		return c.call(ctx, "GET", "/consortia", nil)
	case "consortia create":
		if err := need("name"); err != nil {
			return err
		}
		return c.call(ctx, "POST", "/consortia", map[string]any{"name": *name})
	case "environments list":
		if err := need("consortium"); err != nil {
			return err
		}
		return c.call(ctx, "GET", "/consortia/"+esc(*cons)+"/environments", nil)
	case "environments create":
		if err := need("consortium", "name"); err != nil {
			return err
		}
		return c.call(ctx, "POST", "/consortia/"+esc(*cons)+"/environments", map[string]any{"name": *name, "chain_id": *chainID, "consensus": *consensus})
	case "memberships list":
		if err := need("consortium"); err != nil {
			return err
		}
		return c.call(ctx, "GET", "/consortia/"+esc(*cons)+"/memberships", nil)
	case "invitations list":
		if err := need("consortium"); err != nil {
			return err
		}
		return c.call(ctx, "GET", "/consortia/"+esc(*cons)+"/invitations", nil)
	case "invitations create":
		if err := need("consortium", "env", "org"); err != nil {
			return err
		}
		return c.call(ctx, "POST", "/consortia/"+esc(*cons)+"/invitations", map[string]any{"environment_id": *envID, "org_name": *org, "ttl_hours": *ttl})
	case "invitations accept":
		if err := need("consortium", "token", "membership", "owner"); err != nil {
			return err
		}
		return c.call(ctx, "POST", "/consortia/"+esc(*cons)+"/invitations/accept", map[string]any{"token": *token, "membership_id": *membership, "owner": *owner})
	case "appcreds list":
		if err := need("consortium", "env"); err != nil {
			return err
		}
		return c.call(ctx, "GET", envPath()+"/appcreds", nil)
	case "appcreds create":
		if err := need("consortium", "env", "membership"); err != nil {
			return err
		}
		return c.call(ctx, "POST", envPath()+"/appcreds", map[string]any{"membership_id": *membership})
	case "appcreds rotate", "appcreds revoke":
		if err := need("consortium", "env"); err != nil {
			return err
		}
		u, err := arg()
		if err != nil {
			return err
		}
		if verb == "rotate" {
			return c.call(ctx, "POST", envPath()+"/appcreds/"+esc(u)+"/rotate", nil)
		}
		return c.call(ctx, "DELETE", envPath()+"/appcreds/"+esc(u), nil)
	case "idproofs list", "idproofs request":
		if err := need("membership"); err != nil {
			return err
		}
		method := map[string]string{"list": "GET", "request": "POST"}[verb]
		return c.call(ctx, method, "/memberships/"+esc(*membership)+"/idproofs", nil)
	case "idproofs upload":
		if err := need("membership", "nonce", "chain"); err != nil {
			return err
		}
		var pem []byte
		var err error
		if *chainFile == "-" {
			pem, err = io.ReadAll(io.LimitReader(env.stdin, 1<<20))
		} else {
			pem, err = os.ReadFile(*chainFile)
		}
		if err != nil {
			return err
		}
		return c.send(ctx, "PUT", "/memberships/"+esc(*membership)+"/idproofs/"+esc(*nonce), "application/x-pem-file", pem)
	}
	return fmt.Errorf("unknown command %q %q\n%s", resource, verb, adminUsage)
}

// call sends a JSON body (none when nil) and prints the answer.
func (c adminClient) call(ctx context.Context, method, path string, body any) error {
	if body == nil {
		return c.send(ctx, method, path, "", nil)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return c.send(ctx, method, path, "application/json", b)
}

func (c adminClient) send(ctx context.Context, method, path, contentType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.SetBasicAuth(c.user, c.password)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, e.Error)
		}
		return fmt.Errorf("%s %s: %d: %.300s", method, path, resp.StatusCode, data)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		_, err := c.out.Write(data)
		return err
	}
	enc := json.NewEncoder(c.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
