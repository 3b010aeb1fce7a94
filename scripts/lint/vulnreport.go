//go:build ignore

// vulnreport reads `govulncheck -format json` on standard input and prints
// one line per vulnerability that the code reaches (a symbol-level finding),
// split into those fixed by a newer module in go.mod and those fixed only by
// a newer Go toolchain (module "stdlib"). It exits 1 if any module finding
// exists, or any standard-library finding when -stdlib=fail, and 0 otherwise.
//
//	govulncheck -db file:///... -format json ./... | go run scripts/lint/vulnreport.go -stdlib=warn
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

type message struct {
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

func main() {
	stdlib := flag.String("stdlib", "fail", "fail or warn: what a standard-library finding does")
	flag.Parse()
	mods, std := map[string]string{}, map[string]string{}
	dec := json.NewDecoder(os.Stdin)
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "vulnreport: reading govulncheck output:", err)
			os.Exit(2)
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // not reached by the code: module or package level only
		}
		t := f.Trace[0]
		fn := t.Function
		if t.Receiver != "" {
			fn = strings.TrimPrefix(t.Receiver, "*") + "." + fn
		}
		line := fmt.Sprintf("%s: %s@%s (fixed in %s), %s.%s", f.OSV, t.Module, t.Version, f.FixedVersion, t.Package, fn)
		key := f.OSV + " " + t.Package
		if t.Module == "stdlib" {
			std[key] = line
		} else {
			mods[key] = line
		}
	}
	print := func(title string, set map[string]string) {
		if len(set) == 0 {
			return
		}
		lines := make([]string, 0, len(set))
		for _, l := range set {
			lines = append(lines, l)
		}
		sort.Strings(lines)
		fmt.Println(title)
		for _, l := range lines {
			fmt.Println("  " + l)
		}
	}
	print("vulnerabilities the code reaches in required modules (update go.mod):", mods)
	print("vulnerabilities the code reaches in the Go standard library (update the Go toolchain):", std)
	rc := 0
	if len(mods) > 0 {
		rc = 1
	}
	if len(std) > 0 {
		if *stdlib == "fail" {
			rc = 1
		} else {
			fmt.Println("WARNING: the standard-library findings above need a newer Go than this machine's; they do not fail the lint (CONSIGN_VULN_STDLIB=warn); see docs/testenv.md")
		}
	}
	if len(mods)+len(std) == 0 {
		fmt.Println("govulncheck: no vulnerability reached")
	}
	os.Exit(rc)
}
