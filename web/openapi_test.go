package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/consign/consign/internal/auth"
)

// refuseAll is a verifier that knows no credential.
type refuseAll struct{}

func (refuseAll) Verify(context.Context, string, string) (auth.Principal, error) {
	return auth.Principal{}, auth.ErrBadCredentials
}

// loadOpenAPI parses the embedded document.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(OpenAPI()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("openapi.json has data after its object")
	}
	return doc
}

var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// resolvePointer follows a local reference ("#/a/b~1c") in doc.
func resolvePointer(doc map[string]any, ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local (#/...)", ref)
	}
	var cur any = doc
	for _, tok := range strings.Split(frag, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is inside a non-object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, tok)
		}
	}
	return cur, nil
}

// deref returns v, or what it refers to when it is a {"$ref"} object.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	for i := 0; m != nil && i < 10; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, err := resolvePointer(doc, ref)
		if err != nil {
			t.Fatal(err)
		}
		m, _ = target.(map[string]any)
	}
	if m == nil {
		t.Fatalf("%v is not an object", v)
	}
	return m
}

// walk calls f on every object in v with its JSON-pointer-ish location.
func walk(v any, at string, f func(at string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(at, x)
		for k, c := range x {
			walk(c, at+"/"+k, f)
		}
	case []any:
		for i, c := range x {
			walk(c, at+"/"+strconv.Itoa(i), f)
		}
	}
}

// TestOpenAPIDocument checks the document's structure: version, info,
// that every $ref resolves, that every operation has an id, known tags,
// responses with descriptions and valid codes, and parameters matching
// its path template, and that required properties are declared.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !regexp.MustCompile(`^3\.[01]\.\d+$`).MatchString(v) {
		t.Fatalf("openapi = %q, want 3.0.x or 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if s, _ := info["title"].(string); s == "" {
		t.Error("info.title is missing")
	}
	if s, _ := info["version"].(string); s == "" {
		t.Error("info.version is missing")
	}

	refs := 0
	walk(doc, "#", func(at string, m map[string]any) {
		if ref, ok := m["$ref"]; ok {
			refs++
			s, _ := ref.(string)
			if _, err := resolvePointer(doc, s); err != nil {
				t.Errorf("%s: %v", at, err)
			}
		}
		if req, ok := m["required"].([]any); ok && m["type"] == "object" {
			props, _ := m["properties"].(map[string]any)
			for _, r := range req {
				if _, ok := props[r.(string)]; !ok {
					t.Errorf("%s: required property %q is not in properties", at, r)
				}
			}
		}
	})
	if refs == 0 {
		t.Error("no $ref at all: the shared schemas are not used")
	}

	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	if basic := deref(t, doc, schemes["basicAuth"]); basic["type"] != "http" || basic["scheme"] != "basic" {
		t.Errorf("securitySchemes.basicAuth = %v, want HTTP basic", basic)
	}
	checkSecurity := func(at string, v any) {
		list, ok := v.([]any)
		if !ok {
			t.Errorf("%s: security is not a list", at)
			return
		}
		for _, req := range list {
			for name := range req.(map[string]any) {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: security scheme %q is not declared", at, name)
				}
			}
		}
	}
	checkSecurity("#/security", doc["security"])
	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}

	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}
	ids := map[string]string{}
	templateParam := regexp.MustCompile(`\{([^}/]+)\}`)
	ops := 0
	for path, v := range paths {
		if !strings.HasPrefix(path, "/") {
			t.Errorf("path %q does not start with /", path)
		}
		item := deref(t, doc, v)
		var want []string
		for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
			want = append(want, m[1])
		}
		slices.Sort(want)
		for key := range item {
			switch {
			case slices.Contains(openAPIMethods, key), key == "parameters", key == "summary", key == "description", key == "servers":
			default:
				t.Errorf("%s: unexpected key %q in a path item", path, key)
			}
		}
		for _, method := range openAPIMethods {
			raw, ok := item[method]
			if !ok {
				continue
			}
			ops++
			at := strings.ToUpper(method) + " " + path
			o := deref(t, doc, raw)
			id, _ := o["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", at)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("%s: operationId %q is also %s", at, id, prev)
			}
			ids[id] = at
			for _, tg := range o["tags"].([]any) {
				if !tags[tg.(string)] {
					t.Errorf("%s: tag %q is not declared", at, tg)
				}
			}
			if sec, ok := o["security"]; ok {
				checkSecurity(at, sec)
			}
			// Path parameters: the template's names, each required.
			var got []string
			params := append(slices.Clone(asList(item["parameters"])), asList(o["parameters"])...)
			seen := map[string]bool{}
			for _, p := range params {
				pm := deref(t, doc, p)
				name, _ := pm["name"].(string)
				in, _ := pm["in"].(string)
				if name == "" || !slices.Contains([]string{"path", "query", "header", "cookie"}, in) {
					t.Errorf("%s: parameter %v lacks a name or a valid in", at, pm)
				}
				if seen[in+" "+name] {
					t.Errorf("%s: parameter %s %q declared twice", at, in, name)
				}
				seen[in+" "+name] = true
				if _, ok := pm["schema"]; !ok {
					t.Errorf("%s: parameter %q has no schema", at, name)
				}
				if in == "path" {
					got = append(got, name)
					if pm["required"] != true {
						t.Errorf("%s: path parameter %q is not required", at, name)
					}
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: path parameters %v, template has %v", at, got, want)
			}
			if rb, ok := o["requestBody"]; ok {
				if content, _ := deref(t, doc, rb)["content"].(map[string]any); len(content) == 0 {
					t.Errorf("%s: requestBody has no content", at)
				}
			}
			responses, _ := o["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s: no responses", at)
			}
			for code, r := range responses {
				if n, err := strconv.Atoi(code); code != "default" && (err != nil || n < 100 || n > 599) {
					t.Errorf("%s: response code %q", at, code)
				}
				if d, _ := deref(t, doc, r)["description"].(string); d == "" {
					t.Errorf("%s: response %s has no description", at, code)
				}
			}
		}
	}
	if ops == 0 {
		t.Fatal("no operations")
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

// describedOperations lists the document's operations as "METHOD /path".
func describedOperations(t *testing.T, doc map[string]any) []string {
	t.Helper()
	var out []string
	for path, v := range doc["paths"].(map[string]any) {
		for _, m := range openAPIMethods {
			if _, ok := v.(map[string]any)[m]; ok {
				out = append(out, strings.ToUpper(m)+" "+path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIDescribesEveryRoute mounts every handler family of the
// package and checks that the routes and the described operations are
// the same set. (cmd/consign's test sends a request to each on a
// running node.)
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s, err := New(Config{EnvironmentID: "e", Logger: quietLogger()}, refuseAll{})
	if err != nil {
		t.Fatal(err)
	}
	// The services are never called: only the routes are looked at.
	s.HandleDocuments(nil)
	s.HandleTransfers(nil)
	s.HandleEvidence(nil)
	s.HandleApp2App(nil)
	s.HandleRegistry(nil, nil, nil)
	s.HandleCredentials(nil)
	for _, p := range adminRoutes {
		s.HandleOperatorFunc(p, func(http.ResponseWriter, *http.Request) {})
	}

	var routes []string
	for _, p := range s.Routes() {
		m, path, err := OpenAPIOperation(p)
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, strings.ToUpper(m)+" "+path)
	}
	slices.Sort(routes)
	described := describedOperations(t, loadOpenAPI(t))
	for _, r := range routes {
		if _, found := slices.BinarySearch(described, r); !found {
			t.Errorf("route %s is served but not described in openapi.json", r)
		}
	}
	for _, d := range described {
		if _, found := slices.BinarySearch(routes, d); !found {
			t.Errorf("%s is described in openapi.json but no handler registers it", d)
		}
	}
}

func TestOpenAPIOperation(t *testing.T) {
	for _, c := range []struct{ pattern, method, path string }{
		{"GET /{$}", "get", "/"},
		{"GET /console/", "get", "/console/"},
		{"PUT /api/v1/documents/{path...}", "put", "/api/v1/documents/{path}"},
		{"DELETE /api/v1/destinations/{name}", "delete", "/api/v1/destinations/{name}"},
		{"PUT /api/v1/destinations/{name}/certificate", "put", "/api/v1/destinations/{name}/certificate"},
		{"GET /a/{$}", "get", "/a/"},
	} {
		m, p, err := OpenAPIOperation(c.pattern)
		if err != nil || m != c.method || p != c.path {
			t.Errorf("OpenAPIOperation(%q) = %q, %q, %v; want %q, %q", c.pattern, m, p, err, c.method, c.path)
		}
	}
	for _, bad := range []string{"/no/method", "GET", "GET example.com/x", ""} {
		if _, _, err := OpenAPIOperation(bad); err == nil {
			t.Errorf("OpenAPIOperation(%q) accepted a pattern it cannot describe", bad)
		}
	}
}

// TestOpenAPIServed checks the document is served without credentials,
// whole, as JSON, and that other methods get a JSON 405.
func TestOpenAPIServed(t *testing.T) {
	s, err := New(Config{EnvironmentID: "e", Logger: quietLogger()}, refuseAll{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.Routes(), "GET "+openAPIPath) {
		t.Errorf("Routes() = %v lacks GET %s", s.Routes(), openAPIPath)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, path := range []string{openAPIPath, "/api/v1//openapi.json"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !bytes.Equal(body, OpenAPI()) {
			t.Fatalf("GET %s: the body (%d bytes) is not the embedded document (%d bytes)", path, len(body), len(OpenAPI()))
		}
	}
	resp, err := http.Post(srv.URL+openAPIPath, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	var e errorBody
	err = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || err != nil || e.Error == "" || !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Fatalf("POST %s: %d %q (%v), Allow %q", openAPIPath, resp.StatusCode, e.Error, err, resp.Header.Get("Allow"))
	}
}

// TestOpenAPISchemasMatchTypes checks the documented response schemas
// against the Go types the handlers encode, field by field: every JSON
// field is a documented property and the reverse, and every field the
// encoder always writes (no omitempty) is documented as required. It
// covers the transfer record, which the dev node test cannot reach.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, c := range []struct {
		schema string
		v      any
		extra  []string // JSON fields the type has for another use, not in this schema
	}{
		{"Entry", entryJSON{}, nil},
		{"Listing", listingJSON{}, nil},
		{"SearchResult", searchResultJSON{}, nil},
		{"Result", resultJSON{}, nil},
		{"Destination", destinationJSON{}, nil},
		{"TransferRecord", transferJSON{}, []string{"transferId"}}, // the socket.io events' name for id
		{"TransferRequest", transferRequest{}, nil},
		{"AddressBookEntry", addressBookEntry{}, nil},
		{"DestinationRef", addressBookDestination{}, nil},
		{"RegistryMember", registryMemberJSON{}, nil},
		{"RegistryDestination", registryDestinationJSON{}, nil},
		{"PinProof", pinProofJSON{}, nil},
		{"Error", errorBody{}, nil},
	} {
		s := deref(t, doc, schemas[c.schema])
		props, _ := s["properties"].(map[string]any)
		required := map[string]bool{}
		for _, r := range asList(s["required"]) {
			required[r.(string)] = true
		}
		typ := reflect.TypeOf(c.v)
		fields := map[string]bool{}
		for i := range typ.NumField() {
			tag := typ.Field(i).Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" || name == "-" || slices.Contains(c.extra, name) {
				continue
			}
			fields[name] = true
			if _, ok := props[name]; !ok {
				t.Errorf("%s: %s encodes %q, which the schema does not describe", c.schema, typ.Name(), name)
			}
			if !strings.Contains(opts, "omitempty") && !required[name] {
				t.Errorf("%s: %s always writes %q, but the schema does not require it", c.schema, typ.Name(), name)
			}
		}
		for name := range props {
			if !fields[name] {
				t.Errorf("%s: the schema describes %q, which %s never encodes", c.schema, name, typ.Name())
			}
		}
	}
}

// adminRoutes are the operator routes web/adminapi mounts (its own test
// checks it mounts exactly these).
var adminRoutes = []string{
	"GET /api/v1/consortia", "POST /api/v1/consortia", "GET /api/v1/consortia/{id}",
	"GET /api/v1/consortia/{id}/environments", "POST /api/v1/consortia/{id}/environments",
	"GET /api/v1/consortia/{id}/environments/{env}",
	"GET /api/v1/consortia/{id}/memberships",
	"GET /api/v1/consortia/{id}/invitations", "POST /api/v1/consortia/{id}/invitations",
	"POST /api/v1/consortia/{id}/invitations/accept",
	"GET /api/v1/consortia/{id}/environments/{env}/nodes", "POST /api/v1/consortia/{id}/environments/{env}/nodes",
	"GET /api/v1/consortia/{id}/environments/{env}/services", "POST /api/v1/consortia/{id}/environments/{env}/services",
	"GET /api/v1/consortia/{id}/environments/{env}/appcreds", "POST /api/v1/consortia/{id}/environments/{env}/appcreds",
	"POST /api/v1/consortia/{id}/environments/{env}/appcreds/{user}/rotate",
	"DELETE /api/v1/consortia/{id}/environments/{env}/appcreds/{user}",
	"GET /api/v1/memberships/{id}", "GET /api/v1/memberships/{id}/idproofs", "POST /api/v1/memberships/{id}/idproofs",
	"PUT /api/v1/memberships/{id}/idproofs/{nonce}",
}
