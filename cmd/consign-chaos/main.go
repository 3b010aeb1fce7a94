// Command consign-chaos drives `consign serve` nodes on real servers
// through faults and checks that nothing is lost, duplicated or forged
// (docs/reliability.md). scripts/chaos.sh (make chaos, make soak) starts
// a private Kafka broker and S3 server with the project's testenv
// scripts, so the faults it injects never touch the shared servers, and
// runs it:
//
//	consign-chaos -consign bin/consign -kafka 127.0.0.1:19523 -s3 http://127.0.0.1:17501 \
//	    -testenv-dir .testenv/chaos -port-offset 431 -out .testenv/chaos/report [-short] [-only r1,r2,...]
//
// Scenarios:
//
//	r1      transfers between two nodes while the driver SIGKILLs and restarts sender or receiver
//	r2      app-to-app messages while the Kafka broker is SIGKILLed and restarted
//	r5      uploads and transfers while S3 is stopped, then slowed, stalled and cut by a proxy
//	forged  forged receipts, resends, manifests and shards written straight into a node's inbox
//	soak    mixed load for -duration; RSS and goroutine slopes
//
// Every node the driver runs is a child process of its own; it kills only
// those, and the servers named by the pid files of -testenv-dir, after
// checking each pid's command line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// scenario is one checked run; its Result is what the report shows.
type scenario struct {
	name string
	run  func(ctx context.Context, h *harness) (*Result, error)
}

// Result is one scenario's outcome in the report.
type Result struct {
	Name     string         `json:"name"`
	Passed   bool           `json:"passed"`
	Seconds  float64        `json:"seconds"`
	Counts   map[string]any `json:"counts"`
	Failures []string       `json:"failures,omitempty"`
	Notes    []string       `json:"notes,omitempty"`
}

func (r *Result) set(k string, v any) { r.Counts[k] = v }

// check records a failure unless ok.
func (r *Result) check(ok bool, format string, args ...any) {
	if !ok {
		r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
	}
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func newResult(name string) *Result { return &Result{Name: name, Counts: map[string]any{}} }

// Report is the JSON report.
type Report struct {
	Started   string    `json:"started"`
	Short     bool      `json:"short"`
	Command   string    `json:"command"`
	Scenarios []*Result `json:"scenarios"`
	Passed    bool      `json:"passed"`
}

func main() {
	var o options
	flag.StringVar(&o.consign, "consign", "bin/consign", "the consign binary to run the nodes with")
	flag.StringVar(&o.kafka, "kafka", "", "the private Kafka broker HOST:PORT (its pid file is in -testenv-dir)")
	flag.StringVar(&o.s3, "s3", "", "the private S3 endpoint URL (its pid file is in -testenv-dir)")
	flag.StringVar(&o.testenvDir, "testenv-dir", "", "CONSIGN_TESTENV_DIR of the private servers")
	flag.IntVar(&o.portOffset, "port-offset", 0, "CONSIGN_TESTENV_PORT_OFFSET of the private servers")
	flag.StringVar(&o.repo, "repo", ".", "the repository root (for scripts/testenv/up.sh)")
	flag.StringVar(&o.out, "out", "", "report path without extension: writes OUT.json and OUT.md")
	flag.StringVar(&o.work, "work", "", "folder for the nodes' data (default: a new one under -testenv-dir)")
	flag.BoolVar(&o.short, "short", false, "the short run of make test (CHAOS_SHORT=1)")
	flag.StringVar(&o.only, "only", "r1,r2,r5,forged,soak", "comma-separated scenarios to run")
	flag.DurationVar(&o.duration, "duration", 0, "soak duration (default 75s short, 30m full)")
	flag.Parse()
	o.ethRPC, o.ethKey = os.Getenv("CONSIGN_TEST_ETH_RPC"), os.Getenv("CONSIGN_TEST_ETH_KEY")
	o.s3Key, o.s3Secret, o.s3Region = "consigntest", "consigntest-secret", "us-east-1"
	if o.duration == 0 {
		o.duration = 30 * time.Minute
		if o.short {
			o.duration = 75 * time.Second
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "consign-chaos:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, log, o))
}

func run(ctx context.Context, log *slog.Logger, o options) int {
	all := []scenario{
		{"r1", runR1},
		{"r2", runR2},
		{"r5", runR5},
		{"forged", runForged},
		{"soak", runSoak},
	}
	want := map[string]bool{}
	for _, s := range strings.Split(o.only, ",") {
		want[strings.TrimSpace(s)] = true
	}
	h, err := newHarness(ctx, log, o)
	if err != nil {
		log.Error("setup", "err", err)
		return 1
	}
	defer h.close()
	rep := Report{Started: time.Now().UTC().Format(time.RFC3339), Short: o.short, Command: strings.Join(os.Args, " "), Passed: true}
	for _, s := range all {
		if !want[s.name] {
			continue
		}
		log.Info("scenario", "name", s.name)
		t0 := time.Now()
		res, err := s.run(ctx, h)
		if res == nil {
			res = newResult(s.name)
		}
		if err != nil {
			res.Failures = append(res.Failures, "aborted: "+err.Error())
		}
		res.Seconds = time.Since(t0).Round(100 * time.Millisecond).Seconds()
		res.Passed = len(res.Failures) == 0
		rep.Passed = rep.Passed && res.Passed
		rep.Scenarios = append(rep.Scenarios, res)
		log.Info("scenario done", "name", s.name, "passed", res.Passed, "seconds", res.Seconds, "counts", res.Counts, "failures", res.Failures)
		if ctx.Err() != nil {
			break
		}
	}
	if err := writeReport(o.out, &rep); err != nil {
		log.Error("report", "err", err)
		return 1
	}
	if !rep.Passed {
		return 1
	}
	return 0
}

func writeReport(out string, rep *Report) error {
	if out == "" {
		return json.NewEncoder(os.Stdout).Encode(rep)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+".json", append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(out+".md", []byte(markdown(rep)), 0o644)
}

func markdown(rep *Report) string {
	var b strings.Builder
	run := "full"
	if rep.Short {
		run = "short (CHAOS_SHORT=1)"
	}
	verdict := "PASSED"
	if !rep.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "# Chaos report: %s\n\nRun: %s, started %s.\n\nCommand: `%s`\n\n", verdict, run, rep.Started, rep.Command)
	b.WriteString("| scenario | result | seconds |\n|---|---|---|\n")
	for _, s := range rep.Scenarios {
		r := "pass"
		if !s.Passed {
			r = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f |\n", s.Name, r, s.Seconds)
	}
	for _, s := range rep.Scenarios {
		fmt.Fprintf(&b, "\n## %s\n\n| count | value |\n|---|---|\n", s.Name)
		for _, k := range sortedKeys(s.Counts) {
			v, _ := json.Marshal(s.Counts[k])
			fmt.Fprintf(&b, "| %s | %s |\n", k, strings.Trim(string(v), `"`))
		}
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "\n- FAILURE: %s", f)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "\n- %s", n)
		}
		if len(s.Failures)+len(s.Notes) > 0 {
			b.WriteString("\n")
		}
	}
	return b.String()
}
