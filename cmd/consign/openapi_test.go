package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/consign/consign/internal/testenv"
	"github.com/consign/consign/web"
)

// oaDoc is the parsed OpenAPI document with the lookups the test needs.
type oaDoc struct{ root map[string]any }

// deref follows a local "$ref" (any depth) to the object it names.
func (d oaDoc) deref(t *testing.T, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	for i := 0; i < 10; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = d.root
		for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
		}
		if m, ok = cur.(map[string]any); !ok {
			t.Fatalf("$ref %q does not resolve to an object", ref)
		}
	}
	t.Fatalf("$ref chain too deep at %v", m)
	return nil
}

// validate reports where v does not fit schema (type, required,
// properties, items, additionalProperties, enum, oneOf). Formats and
// patterns are not checked.
func (d oaDoc) validate(t *testing.T, schema any, v any, at string) []string {
	s := d.deref(t, schema)
	if alts, ok := s["oneOf"].([]any); ok {
		var why []string
		for _, alt := range alts {
			errs := d.validate(t, alt, v, at)
			if len(errs) == 0 {
				return nil
			}
			why = append(why, strings.Join(errs, "; "))
		}
		return []string{fmt.Sprintf("%s: fits none of oneOf: %s", at, strings.Join(why, " | "))}
	}
	var types []string
	switch ty := s["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	if len(types) > 0 && !slices.Contains(types, oaJSONType(v)) && !(oaJSONType(v) == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: got %s %v, want %v", at, oaJSONType(v), v, types)}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return []string{fmt.Sprintf("%s: %v is not one of %v", at, v, enum)}
	}
	var errs []string
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range oaList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required property %q is missing", at, r))
			}
		}
		for k, val := range x {
			if ps, ok := props[k]; ok {
				errs = append(errs, d.validate(t, ps, val, at+"."+k)...)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, d.validate(t, ap, val, at+"."+k)...)
			} else if props != nil {
				errs = append(errs, fmt.Sprintf("%s: property %q is not described", at, k))
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, e := range x {
				errs = append(errs, d.validate(t, items, e, at+"["+strconv.Itoa(i)+"]")...)
			}
		}
	}
	return errs
}

func oaJSONType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func oaList(v any) []any { l, _ := v.([]any); return l }

// oaRoute is a "METHOD /openapi/path" key.
func oaRoute(method, path string) string { return strings.ToUpper(method) + " " + path }

// TestOpenAPIMatchesDevNode starts the dev environment in-process and
// checks both directions against its live routes: every route it
// registers is described in the document it serves, and every described
// operation, called with valid credentials and sample values, is answered
// by a handler (not by the router's 404 or 405) with a documented status
// whose JSON body fits the documented schema. Without credentials,
// described operations answer 401 unless the document marks them public.
func TestOpenAPIMatchesDevNode(t *testing.T) {
	n, cancel, done := startTestDev(t, t.TempDir())
	defer stopTestDev(t, cancel, done)
	base := strings.TrimSuffix(n.file.APIURL, "/api/v1")
	member := n.file.Members[0]
	user, pass := member.Credential.User, member.Credential.Password

	// The document, as served (publicly).
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json without credentials: %d %s", resp.StatusCode, raw)
	}
	doc := oaDoc{}
	if err := json.Unmarshal(raw, &doc.root); err != nil {
		t.Fatalf("the served OpenAPI document is not JSON: %v", err)
	}
	paths, _ := doc.root["paths"].(map[string]any)

	// Direction 1: every live route is described.
	live := map[string]bool{}
	for _, pattern := range n.web.Routes() {
		m, p, err := web.OpenAPIOperation(pattern)
		if err != nil {
			t.Fatal(err)
		}
		live[oaRoute(m, p)] = true
		item, _ := paths[p].(map[string]any)
		if _, ok := item[m]; !ok {
			t.Errorf("the dev node serves %s (pattern %q) but the OpenAPI document does not describe it", oaRoute(m, p), pattern)
		}
	}
	if len(live) < 20 {
		t.Fatalf("Routes() lists only %d routes: %v", len(live), n.web.Routes())
	}

	// Sample values. One uploaded document, one real destination.
	const docPath = "openapi-check/sample.txt"
	var destURI string
	for _, d := range member.Destinations {
		if d.Kind == "documentstore" {
			destURI = d.URI
		}
	}
	if destURI == "" {
		t.Fatalf("member %s has no documentstore destination in dev.json", member.Name)
	}
	if code, body := oaCall(t, "PUT", base+"/api/v1/documents/"+docPath, user, pass, oaMultipart(t, "hello, openapi\n")); code != http.StatusOK {
		t.Fatalf("uploading the sample document: %d %s", code, body)
	}
	pathValues := map[string]string{
		"path":  docPath,
		"name":  "no-such-destination",
		"hash":  strings.Repeat("0", 64),
		"id":    "00000000-0000-4000-8000-000000000000",
		"user":  "no-such-credential",
		"env":   "no-such-environment",
		"nonce": "no-such-nonce",
	}
	queryValues := map[string]string{"uri": destURI}

	// Direction 2: every described operation answers. Deletions go last so
	// that the sample document is there for the rest.
	type opRef struct{ method, path string }
	var ops []opRef
	for p, v := range paths {
		for _, m := range []string{"get", "put", "post", "patch", "delete"} {
			if _, ok := v.(map[string]any)[m]; ok {
				ops = append(ops, opRef{m, p})
			}
		}
	}
	slices.SortFunc(ops, func(a, b opRef) int {
		if (a.method == "delete") != (b.method == "delete") {
			if a.method == "delete" {
				return 1
			}
			return -1
		}
		return strings.Compare(oaRoute(a.method, a.path), oaRoute(b.method, b.path))
	})
	checked := 0
	for _, o := range ops {
		item := doc.deref(t, paths[o.path])
		op := doc.deref(t, item[o.method])
		name := oaRoute(o.method, o.path)
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			target, body := oaRequest(t, doc, base, o.path, item, op, pathValues, queryValues)
			public := false
			if sec, ok := op["security"]; ok && len(oaList(sec)) == 0 {
				public = true
			}
			// With credentials (or none, for a public operation): an
			// operator credential for the management API.
			u, p := user, pass
			if public {
				u, p = "", ""
			}
			if oaOperator(op) {
				u, p = n.file.Operator.User, n.file.Operator.Password
			}
			req := oaNewRequest(t, strings.ToUpper(o.method), target, u, p, body)
			resp, got := testenv.Do(t, req)
			oaCheckResponse(t, doc, op, resp, got)

			// An application credential on the management API: 401.
			if oaOperator(op) {
				req := oaNewRequest(t, strings.ToUpper(o.method), target, user, pass, nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				// (429 once the failures of this user name reach the limit.)
				if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests {
					t.Errorf("a management operation answers %d to an application credential: %.200s", resp.StatusCode, b)
				}
			}

			// Without credentials: 401 unless public.
			req = oaNewRequest(t, strings.ToUpper(o.method), target, "", "", nil)
			anon, anonBody := testenv.Do(t, req)
			switch {
			case public && anon.StatusCode == http.StatusUnauthorized:
				t.Errorf("described as public, but answers 401 without credentials: %s", anonBody)
			case !public && anon.StatusCode != http.StatusUnauthorized:
				t.Errorf("described as needing credentials, but answers %d without them: %.200s", anon.StatusCode, anonBody)
			}
		})
		checked++
	}
	if checked < len(live) {
		t.Errorf("checked %d operations, fewer than the %d live routes", checked, len(live))
	}
}

// oaOperator reports whether op is authenticated with an operator
// credential (the management API).
func oaOperator(op map[string]any) bool {
	for _, req := range oaList(op["security"]) {
		if m, ok := req.(map[string]any); ok {
			if _, ok := m["operatorAuth"]; ok {
				return true
			}
		}
	}
	return false
}

type oaBody struct {
	contentType string
	data        []byte
}

// oaRequest builds the URL and body of a call to the described operation:
// path parameters and required query parameters from the sample values,
// the body from the first described media type (its example when it has
// one).
func oaRequest(t *testing.T, doc oaDoc, base, path string, item, op map[string]any, pathValues, queryValues map[string]string) (string, *oaBody) {
	t.Helper()
	q := url.Values{}
	for _, p := range append(slices.Clone(oaList(item["parameters"])), oaList(op["parameters"])...) {
		pm := doc.deref(t, p)
		name, _ := pm["name"].(string)
		switch pm["in"] {
		case "path":
			v, ok := pathValues[name]
			if !ok {
				t.Fatalf("no sample value for path parameter %q", name)
			}
			path = strings.ReplaceAll(path, "{"+name+"}", v)
		case "query":
			if pm["required"] == true {
				v, ok := queryValues[name]
				if !ok {
					t.Fatalf("no sample value for required query parameter %q", name)
				}
				q.Set(name, v)
			}
		}
	}
	target := base + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	rb, ok := op["requestBody"]
	if !ok {
		return target, nil
	}
	content, _ := doc.deref(t, rb)["content"].(map[string]any)
	types := make([]string, 0, len(content))
	for ct := range content {
		types = append(types, ct)
	}
	slices.Sort(types)
	switch {
	case slices.Contains(types, "multipart/form-data"):
		return target, oaMultipart(t, "sample document\n")
	case slices.Contains(types, "application/json"):
		ex, ok := content["application/json"].(map[string]any)["example"]
		if !ok {
			ex = map[string]any{}
		}
		b, _ := json.Marshal(ex)
		return target, &oaBody{"application/json", b}
	default:
		return target, &oaBody{types[0], []byte("not a valid body\n")}
	}
}

func oaMultipart(t *testing.T, text string) *oaBody {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("document", "sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, text)
	mw.Close()
	return &oaBody{mw.FormDataContentType(), buf.Bytes()}
}

func oaNewRequest(t *testing.T, method, target, user, pass string, body *oaBody) *http.Request {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body.data)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", body.contentType)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return req
}

func oaCall(t *testing.T, method, target, user, pass string, body *oaBody) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(oaNewRequest(t, method, target, user, pass, body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// noRoute matches the router's own answers to an unknown route or a
// method it does not serve (web.Server.serveAPI).
var noRoute = regexp.MustCompile(`^(no such route: |method \S+ is not allowed on )`)

// oaCheckResponse checks that a handler answered, with a documented
// status, and that a JSON answer fits the documented schema.
func oaCheckResponse(t *testing.T, doc oaDoc, op map[string]any, resp *http.Response, body []byte) {
	t.Helper()
	ctype, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var v any
	isJSON := ctype == "application/json"
	if isJSON {
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%d with Content-Type %s, but the body is not JSON: %v: %.200s", resp.StatusCode, ctype, err, body)
		}
		if m, ok := v.(map[string]any); ok {
			if msg, _ := m["error"].(string); noRoute.MatchString(msg) {
				t.Fatalf("answered by the router, not a handler: %d %s", resp.StatusCode, msg)
			}
		}
	}
	if resp.StatusCode == http.StatusMethodNotAllowed {
		t.Fatalf("405: %.200s", body)
	}
	responses, _ := op["responses"].(map[string]any)
	r, ok := responses[strconv.Itoa(resp.StatusCode)]
	if !ok {
		t.Fatalf("answered %d, which the document does not list (it lists %v): %.300s", resp.StatusCode, oaKeys(responses), body)
	}
	content, _ := doc.deref(t, r)["content"].(map[string]any)
	if !isJSON {
		if _, ok := content[ctype]; !ok && content["*/*"] == nil && len(content) > 0 {
			t.Errorf("answered %d as %q; the document lists %v", resp.StatusCode, ctype, oaKeys(content))
		}
		return
	}
	media, ok := content["application/json"].(map[string]any)
	if !ok {
		t.Fatalf("answered %d as JSON; the document lists %v", resp.StatusCode, oaKeys(content))
	}
	for _, e := range doc.validate(t, media["schema"], v, "body") {
		t.Errorf("%d: %s", resp.StatusCode, e)
	}
	t.Logf("%d, fits the documented schema", resp.StatusCode)
}

func oaKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
