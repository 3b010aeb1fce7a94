// Package layout holds the test that keeps the module's import graph in
// the shape docs and README describe: the transport knows nothing of the
// services above it, the document store does not reach into app-to-app
// messaging, and nothing below the binaries imports the web layer.
package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/consign/consign"

// rule forbids packages matching from to depend (directly or not) on
// packages matching to.
type rule struct {
	from, to func(pkg string) bool
	why      string
}

func under(dir string) func(string) bool {
	p := module + "/" + dir
	return func(pkg string) bool { return pkg == p || strings.HasPrefix(pkg, p+"/") }
}

func is(dir string) func(string) bool {
	p := module + "/" + dir
	return func(pkg string) bool { return pkg == p }
}

func not(f func(string) bool) func(string) bool { return func(s string) bool { return !f(s) } }

func all(fs ...func(string) bool) func(string) bool {
	return func(s string) bool {
		for _, f := range fs {
			if !f(s) {
				return false
			}
		}
		return true
	}
}

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(s string) bool {
		for _, f := range fs {
			if f(s) {
				return true
			}
		}
		return false
	}
}

var rules = []rule{
	{under("messaging"), anyOf(under("chain"), under("crypto"), under("internal/metadb"), under("app2app"), under("docstore")),
		"messaging is the transport alone"},
	{under("docstore"), under("app2app"), "docstore declares the key source it needs; cmd/consign wires app2app in"},
	{all(not(under("cmd")), not(under("internal/cmd")), not(under("web"))), under("web"),
		"only binaries (cmd/, internal/cmd/) import the web layer"},
	{all(not(under("cmd")), not(under("internal/cmd"))), anyOf(under("cmd"), under("internal/cmd")),
		"nothing imports a binary"},
	{is("destination"), anyOf(under("chain"), under("app2app"), under("docstore"), under("web")),
		"the destination type sits below every service"},
	{all(not(under("cmd")), not(under("internal/cmd")), not(under("evidence"))), under("evidence"),
		"evidence bundles sit above docstore and chain; web declares the exporter it needs and only binaries wire it in"},
}

func TestImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 20 {
		t.Fatalf("go list named %d packages; want the whole module", len(lines))
	}
	checked := make([]int, len(rules))
	for _, line := range lines {
		f := strings.Fields(line)
		pkg, deps := f[0], f[1:]
		for i, r := range rules {
			if !r.from(pkg) {
				continue
			}
			checked[i]++
			for _, d := range deps {
				if strings.HasPrefix(d, module+"/") && d != pkg && r.to(d) {
					t.Errorf("%s depends on %s: %s", pkg, d, r.why)
				}
			}
		}
	}
	for i, n := range checked {
		if n == 0 {
			t.Errorf("rule %q matched no package: the layout changed, update the rule", rules[i].why)
		}
	}
}
