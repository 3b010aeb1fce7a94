// Package config loads a part's typed configuration from a YAML file and
// lets every key be overridden by an environment variable.
//
// Keys are named by their yaml tags. The variable for a key is the prefix
// followed by the path of yaml names joined by "_" and upper-cased, so with
// prefix "CONSIGN" the key storage.s3.bucket is CONSIGN_STORAGE_S3_BUCKET.
// Supported field kinds: string, bool, signed and unsigned integers,
// floats, time.Duration (Go syntax, "30s") and []string (comma-separated
// in a variable, a YAML list in the file). Nested structs are walked;
// unknown keys in the file are refused with their line number.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/consign/consign/internal/errkind"
)

// Error names the key that is wrong and why, e.g.
// `storage.s3.bucket (CONSIGN_STORAGE_S3_BUCKET): must not be empty`.
type Error struct {
	Key    string // dotted yaml path
	EnvVar string // the variable that overrides it, when known
	Reason string
}

func (e *Error) Error() string {
	if e.EnvVar != "" {
		return fmt.Sprintf("config: %s (%s): %s", e.Key, e.EnvVar, e.Reason)
	}
	return fmt.Sprintf("config: %s: %s", e.Key, e.Reason)
}

// Kind reports a configuration error as Invalid: the input is wrong.
func (e *Error) Kind() errkind.Kind { return errkind.Invalid }

// Invalid returns an *Error for key; parts use it from Validate so that
// every message names the key.
func Invalid(key, format string, args ...any) error {
	return &Error{Key: key, Reason: fmt.Sprintf(format, args...)}
}

// Load fills dst (a pointer to a struct holding defaults) from the YAML
// file at path (skipped when path is empty), then from environment
// variables named with prefix. lookup reads a variable; pass os.LookupEnv.
func Load(dst any, path, prefix string, lookup func(string) (string, bool)) error {
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if err := Decode(f, dst); err != nil {
			return fmt.Errorf("config: %s: %w", path, err)
		}
	}
	return ApplyEnv(dst, prefix, lookup)
}

// Decode reads YAML into dst, refusing unknown keys.
func Decode(r io.Reader, dst any) error {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// ApplyEnv overrides fields of dst from variables named prefix_PATH.
func ApplyEnv(dst any, prefix string, lookup func(string) (string, bool)) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: ApplyEnv needs a pointer to a struct, got %T", dst)
	}
	var firstErr error
	walk(v.Elem(), "", prefix, func(f reflect.Value, key, env string) {
		raw, ok := lookup(env)
		if !ok || firstErr != nil {
			return
		}
		if err := set(f, raw); err != nil {
			firstErr = &Error{Key: key, EnvVar: env, Reason: err.Error()}
		}
	})
	return firstErr
}

// Keys lists every key of the struct type of dst with its variable name,
// for documentation and `--help` output.
func Keys(dst any, prefix string) [][2]string {
	var out [][2]string
	walk(reflect.ValueOf(dst).Elem(), "", prefix, func(_ reflect.Value, key, env string) {
		out = append(out, [2]string{key, env})
	})
	return out
}

// EnvName returns the variable that overrides the dotted key.
func EnvName(prefix, key string) string {
	return prefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

func walk(v reflect.Value, path, prefix string, visit func(f reflect.Value, key, env string)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		key := name
		if path != "" {
			key = path + "." + name
		}
		f := v.Field(i)
		if f.Kind() == reflect.Struct && f.Type() != reflect.TypeOf(time.Time{}) {
			walk(f, key, prefix, visit)
			continue
		}
		visit(f, key, EnvName(prefix, key))
	}
}

func set(f reflect.Value, raw string) error {
	if f.Type() == reflect.TypeOf(time.Duration(0)) {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (want e.g. 30s, 5m): %q", raw)
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean (want true or false): %q", raw)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("not an integer: %q", raw)
		}
		f.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("not a non-negative integer: %q", raw)
		}
		f.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(raw, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("not a number: %q", raw)
		}
		f.SetFloat(n)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported list type %s", f.Type())
		}
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}
