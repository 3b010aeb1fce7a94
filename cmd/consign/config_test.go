package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/internal/config"
)

const goodYAML = `
environment: env1
member: acme
storage:
  kind: s3
  s3: {bucket: docs, region: us-east-1, endpoint: "http://127.0.0.1:17070", path_style: true}
transport:
  kind: kafka
  kafka: {brokers: ["127.0.0.1:19092"]}
chain:
  rpc: http://127.0.0.1:8545
  registry: "0x00000000000000000000000000000000000000aa"
  pin: "0x00000000000000000000000000000000000000bb"
`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "consign.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func noEnv(string) (string, bool) { return "", false }

func TestNodeConfigLoadsWithDefaults(t *testing.T) {
	c, err := loadNodeConfig(writeConfig(t, goodYAML), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.Metadata.Path != filepath.Join("consign-data", "consign.db") || c.Storage.S3.Bucket != "docs" {
		t.Fatalf("unexpected config: %+v", c)
	}
	if c.Uploads.PerMember != 8 || c.Uploads.Total != 64 || c.Uploads.BodyIdleTimeout != 30*time.Second || c.Uploads.RetryAfter != 5*time.Second ||
		c.Transfers.IncomingPerSender != 4 {
		t.Fatalf("upload and transfer limits: %+v %+v", c.Uploads, c.Transfers)
	}
}

func TestNodeConfigErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		env     map[string]string
		wantKey string
	}{
		{map[string]string{"CONSIGN_LISTEN": "nowhere"}, "listen"},
		{map[string]string{"CONSIGN_ENVIRONMENT": "Bad Env"}, "environment"},
		{map[string]string{"CONSIGN_STORAGE_KIND": "floppy"}, "storage.kind"},
		{map[string]string{"CONSIGN_STORAGE_S3_BUCKET": ""}, "storage.s3.bucket"},
		{map[string]string{"CONSIGN_TRANSPORT_KAFKA_BROKERS": "nohostport"}, "transport.kafka.brokers"},
		{map[string]string{"CONSIGN_CHAIN_PIN": "0x12"}, "chain.pin"},
		{map[string]string{"CONSIGN_LOG_LEVEL": "loud"}, "log.level"},
		{map[string]string{"CONSIGN_SHUTDOWN_TIMEOUT": "later"}, "shutdown_timeout"},
		{map[string]string{"CONSIGN_TRANSFERS_PIN": "true"}, "transfers.pin"},
		{map[string]string{"CONSIGN_UPLOADS_PER_MEMBER": "0"}, "uploads.per_member"},
		{map[string]string{"CONSIGN_UPLOADS_TOTAL": "-5"}, "uploads.total"},
		{map[string]string{"CONSIGN_UPLOADS_BODY_IDLE_TIMEOUT": "0s"}, "uploads.body_idle_timeout"},
		{map[string]string{"CONSIGN_UPLOADS_RETRY_AFTER": "0s"}, "uploads.retry_after"},
		{map[string]string{"CONSIGN_TRANSFERS_INCOMING_PER_SENDER": "0"}, "transfers.incoming_per_sender"},
		{map[string]string{"CONSIGN_TRANSFERS_MAX_FAILURES": "0"}, "transfers.max_failures"},
		{map[string]string{"CONSIGN_TRANSFERS_RETRY_MIN": "0s"}, "transfers.retry_min"},
		{map[string]string{"CONSIGN_TRANSFERS_RETRY_MIN": "10s", "CONSIGN_TRANSFERS_RETRY_MAX": "1s"}, "transfers.retry_min"},
	}
	path := writeConfig(t, goodYAML)
	for _, tc := range cases {
		_, err := loadNodeConfig(path, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != tc.wantKey {
			t.Errorf("env %v: want error for %s, got %v", tc.env, tc.wantKey, err)
			continue
		}
		if !strings.Contains(err.Error(), config.EnvName(envPrefix, tc.wantKey)) {
			t.Errorf("error %q does not name the variable", err)
		}
	}
}

func TestNodeConfigUnknownKey(t *testing.T) {
	_, err := loadNodeConfig(writeConfig(t, goodYAML+"storag: {}\n"), noEnv)
	if err == nil || !strings.Contains(err.Error(), "storag") {
		t.Fatalf("unknown key accepted or not named: %v", err)
	}
}

// The example configuration in docs/ must load and validate, and
// docs/configuration.md must describe every key, so neither drifts from
// the code.
func TestDocsDescribeEveryKey(t *testing.T) {
	example := filepath.Join("..", "..", "docs", "consign.example.yaml")
	c := defaultNodeConfig()
	if err := config.Load(&c, example, envPrefix, noEnv); err != nil {
		t.Fatalf("docs/consign.example.yaml: %v", err)
	}
	c.fillDerived()
	// The example names a keystore path that exists only on a real node.
	c.Chain.Keystore = filepath.Join(t.TempDir(), "keystore.json")
	if err := os.WriteFile(c.Chain.Keystore, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("docs/consign.example.yaml does not validate: %v", err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range config.Keys(&c, envPrefix) {
		if !strings.Contains(string(doc), "`"+kv[0]+"`") || !strings.Contains(string(doc), "`"+kv[1]+"`") {
			t.Errorf("docs/configuration.md does not describe %s (%s)", kv[0], kv[1])
		}
	}
}
