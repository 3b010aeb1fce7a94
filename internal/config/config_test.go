package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type sample struct {
	Listen  string        `yaml:"listen"`
	Timeout time.Duration `yaml:"timeout"`
	Storage struct {
		Kind string `yaml:"kind"`
		S3   struct {
			Bucket    string `yaml:"bucket"`
			PathStyle bool   `yaml:"path_style"`
			PartSize  int64  `yaml:"part_size"`
		} `yaml:"s3"`
	} `yaml:"storage"`
	Brokers []string `yaml:"brokers"`
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDecodeThenEnvOverrides(t *testing.T) {
	var c sample
	c.Listen = "127.0.0.1:8080" // default survives when neither sets it
	yml := "timeout: 5s\nstorage:\n  kind: s3\n  s3:\n    bucket: docs\n    part_size: 100\nbrokers: [a:1, b:2]\n"
	if err := Decode(strings.NewReader(yml), &c); err != nil {
		t.Fatal(err)
	}
	err := ApplyEnv(&c, "CONSIGN", env(map[string]string{
		"CONSIGN_STORAGE_S3_BUCKET":     "other",
		"CONSIGN_STORAGE_S3_PATH_STYLE": "true",
		"CONSIGN_BROKERS":               "x:1, y:2,",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.Timeout != 5*time.Second || c.Storage.Kind != "s3" ||
		c.Storage.S3.Bucket != "other" || !c.Storage.S3.PathStyle || c.Storage.S3.PartSize != 100 ||
		strings.Join(c.Brokers, "|") != "x:1|y:2" {
		t.Fatalf("unexpected result: %+v", c)
	}
}

func TestUnknownKeyRefusedWithLine(t *testing.T) {
	var c sample
	err := Decode(strings.NewReader("listen: a\nstorage:\n  knd: s3\n"), &c)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "knd") {
		t.Fatalf("want an error naming line 3 and the key, got %v", err)
	}
}

func TestBadEnvValueNamesKeyAndVariable(t *testing.T) {
	var c sample
	err := ApplyEnv(&c, "CONSIGN", env(map[string]string{"CONSIGN_TIMEOUT": "soon"}))
	var ce *Error
	if !errors.As(err, &ce) || ce.Key != "timeout" || ce.EnvVar != "CONSIGN_TIMEOUT" {
		t.Fatalf("want *Error for timeout, got %v", err)
	}
	if !strings.Contains(err.Error(), "duration") {
		t.Fatalf("reason should say what was expected: %v", err)
	}
	err = ApplyEnv(&c, "CONSIGN", env(map[string]string{"CONSIGN_STORAGE_S3_PART_SIZE": "-x"}))
	if !errors.As(err, &ce) || ce.Key != "storage.s3.part_size" {
		t.Fatalf("want *Error for storage.s3.part_size, got %v", err)
	}
}

func TestKeysListsEveryLeaf(t *testing.T) {
	var c sample
	got := Keys(&c, "CONSIGN")
	want := map[string]string{
		"listen": "CONSIGN_LISTEN", "timeout": "CONSIGN_TIMEOUT", "storage.kind": "CONSIGN_STORAGE_KIND",
		"storage.s3.bucket": "CONSIGN_STORAGE_S3_BUCKET", "storage.s3.path_style": "CONSIGN_STORAGE_S3_PATH_STYLE",
		"storage.s3.part_size": "CONSIGN_STORAGE_S3_PART_SIZE", "brokers": "CONSIGN_BROKERS",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d: %v", len(got), len(want), got)
	}
	for _, kv := range got {
		if want[kv[0]] != kv[1] {
			t.Errorf("key %s: variable %s, want %s", kv[0], kv[1], want[kv[0]])
		}
	}
}

func TestEmptyFileKeepsDefaults(t *testing.T) {
	c := sample{Listen: "d"}
	if err := Decode(strings.NewReader("\n  \n"), &c); err != nil || c.Listen != "d" {
		t.Fatalf("got %v, %+v", err, c)
	}
}
