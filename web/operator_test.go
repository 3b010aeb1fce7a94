package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/consign/consign/internal/auth"
)

// TestOperatorRoutes: operator routes take operator credentials only,
// application routes application credentials only, and failures on one
// side do not rate-limit the other.
func TestOperatorRoutes(t *testing.T) {
	f := newFixture(t, Config{FailureBurst: 2})
	f.srv.HandleFunc("GET /api/v1/app", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		WriteJSON(w, 200, map[string]string{"member": p.Member})
	})
	f.srv.HandleOperatorFunc("GET /api/v1/ops", func(w http.ResponseWriter, r *http.Request) {
		p, ok := OperatorFrom(r.Context())
		if _, app := PrincipalFrom(r.Context()); app || !ok {
			t.Error("an operator route sees an application principal or no operator")
		}
		WriteJSON(w, 200, map[string]string{"operator": p.User})
	})
	do := func(path, user, pass string) (int, map[string]string) {
		t.Helper()
		req, _ := http.NewRequest("GET", f.base+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: not JSON: %s", path, b)
		}
		return resp.StatusCode, m
	}
	if code, m := do("/api/v1/ops", f.user, f.pass); code != 503 || m["error"] == "" {
		t.Fatalf("operator route before SetOperators: %d %v", code, m)
	}
	ops, err := auth.New(&auth.MemoryStore{}, auth.Config{Params: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	ou, op, err := ops.Create(context.Background(), "*", "operator")
	if err != nil {
		t.Fatal(err)
	}
	f.srv.SetOperators(ops)
	if code, m := do("/api/v1/ops", ou, op); code != 200 || m["operator"] != ou {
		t.Fatalf("operator on operator route: %d %v", code, m)
	}
	for range 3 {
		if code, _ := do("/api/v1/ops", f.user, f.pass); code != 401 && code != 429 {
			t.Fatalf("application credential on operator route: %d", code)
		}
	}
	if code, m := do("/api/v1/app", f.user, f.pass); code != 200 || m["member"] != "org1" {
		t.Fatalf("application credential after failing on the operator route: %d %v", code, m)
	}
	if code, _ := do("/api/v1/app", ou, op); code != 401 {
		t.Fatalf("operator credential on application route: %d", code)
	}
	if code, _ := do("/api/v1/ops", "", ""); code != 401 {
		t.Fatalf("no credential on operator route: %d", code)
	}
}
