package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/consign/consign/internal/auth"
)

// TestCredentialsAPI: a member lists, issues and revokes its own
// credentials; a revoked one gets 401 at once (its console sessions too);
// another member's credential is not listed nor revocable.
func TestCredentialsAPI(t *testing.T) {
	ctx := context.Background()
	store := &auth.MemoryStore{}
	creds, err := auth.New(store, auth.Config{Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	user, pass, _ := creds.Create(ctx, "env-a", "org1")
	otherUser, otherPass, _ := creds.Create(ctx, "env-a", "org2")
	srv, err := New(Config{EnvironmentID: "env-a", Logger: quietLogger(), FailureBurst: 1000}, creds)
	if err != nil {
		t.Fatal(err)
	}
	srv.HandleCredentials(AuthCredentials(creds, store))
	base := serve(t, srv)
	call := func(method, path, u, p string) (int, []byte) {
		t.Helper()
		r := request(t, method, base, path, u, p, "", nil)
		return r.status, r.body
	}

	code, body := call("POST", "/api/v1/credentials", user, pass)
	var issued credentialJSON
	if json.Unmarshal(body, &issued); code != 201 || issued.User == "" || issued.Password == "" || issued.Member != "org1" {
		t.Fatalf("issue: %d %s", code, body)
	}
	code, body = call("GET", "/api/v1/credentials", issued.User, issued.Password)
	var list []credentialJSON
	if json.Unmarshal(body, &list); code != 200 || len(list) != 2 || strings.Contains(string(body), issued.Password) {
		t.Fatalf("list: %d %s", code, body)
	}
	for _, c := range list {
		if c.Member != "org1" || c.Current != (c.User == issued.User) || c.Created == "" {
			t.Errorf("listed %+v", c)
		}
	}
	if code, body := call("DELETE", "/api/v1/credentials/"+otherUser, user, pass); code != 404 {
		t.Fatalf("revoking another member's credential: %d %s", code, body)
	}
	if code, _ := call("GET", "/api/v1/credentials", otherUser, otherPass); code != 200 {
		t.Fatalf("the other member's credential after a refused revoke: %d", code)
	}

	// A console session of the issued credential ends with it.
	p, err := srv.check(ctx, "192.0.2.1", issued.User, issued.Password)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := srv.sessions.start(p)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := call("DELETE", "/api/v1/credentials/"+issued.User, user, pass); code != 204 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if code, _ := call("GET", "/api/v1/credentials", issued.User, issued.Password); code != 401 {
		t.Fatalf("revoked credential: %d, want 401", code)
	}
	if _, ok := srv.sessions.find(id); ok {
		t.Fatal("a console session outlived its revoked credential")
	}
	if code, body := call("DELETE", "/api/v1/credentials/"+issued.User, user, pass); code != 404 {
		t.Fatalf("revoke twice: %d %s", code, body)
	}
}
