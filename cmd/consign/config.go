package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/consign/consign/internal/config"
)

// envPrefix names the variables that override config keys: the key
// storage.s3.bucket is CONSIGN_STORAGE_S3_BUCKET.
const envPrefix = "CONSIGN"

// nodeConfig is the whole configuration of one member node (`consign
// serve`). Zero values are documented per field; defaultNodeConfig fills
// the ones that have a default.
type nodeConfig struct {
	// Listen is the HTTP/socket.io address. Default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// TrustedProxies are the reverse proxies (IP addresses or CIDR
	// prefixes) whose X-Forwarded-For names the client for the failed-login
	// limiter. Default none: the header is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// DataDir holds the metadata database and local state. Default ./consign-data.
	DataDir string `yaml:"data_dir"`
	// Environment is the id of the environment this node serves; credentials
	// of any other environment are refused. Required.
	Environment string `yaml:"environment"`
	// Member is the id of the member organization running the node. Required.
	Member string `yaml:"member"`
	// ShutdownTimeout bounds graceful shutdown. Default 15s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`

	Log struct {
		// Level: debug, info (default), warn, error.
		Level string `yaml:"level"`
		// Format: text (default) or json.
		Format string `yaml:"format"`
	} `yaml:"log"`

	Metadata struct {
		// Driver: sqlite (default).
		Driver string `yaml:"driver"`
		// Path of the SQLite file. Default <data_dir>/consign.db.
		Path string `yaml:"path"`
	} `yaml:"metadata"`

	Storage struct {
		// Kind: local (default), s3, azure, ipfs (embedded) or kubo.
		Kind string `yaml:"kind"`
		// IdleTimeout fails an S3 or Azure request whose connection moves
		// no byte for that long (a stalled server); retries, then an
		// error, follow. Zero: 30 s; negative: wait for ever.
		IdleTimeout time.Duration `yaml:"idle_timeout"`
		Local       struct {
			// Root folder. Default <data_dir>/documents.
			Root string `yaml:"root"`
		} `yaml:"local"`
		S3 struct {
			Endpoint  string `yaml:"endpoint"` // empty: AWS's own endpoint for Region
			Region    string `yaml:"region"`
			Bucket    string `yaml:"bucket"`
			Prefix    string `yaml:"prefix"`
			AccessKey string `yaml:"access_key"` // empty: the SDK's default credential chain
			SecretKey string `yaml:"secret_key"`
			PathStyle bool   `yaml:"path_style"` // true for MinIO, versitygw and most non-AWS servers
		} `yaml:"s3"`
		Azure struct {
			ConnectionString string `yaml:"connection_string"`
			Container        string `yaml:"container"`
		} `yaml:"azure"`
		IPFS struct {
			// Dir of the embedded block store. Default <data_dir>/ipfs.
			Dir string `yaml:"dir"`
		} `yaml:"ipfs"`
		Kubo struct {
			// API is the Kubo RPC address, e.g. http://127.0.0.1:5001.
			API string `yaml:"api"`
		} `yaml:"kubo"`
	} `yaml:"storage"`

	Transport struct {
		// Kind: kafka, or embedded (default: an in-process Kafka-protocol
		// broker persisted under <data_dir>/broker).
		Kind  string `yaml:"kind"`
		Kafka struct {
			Brokers  []string `yaml:"brokers"`
			ClientID string   `yaml:"client_id"`
		} `yaml:"kafka"`
	} `yaml:"transport"`

	Uploads struct {
		// PerMember caps one member's uploads in progress (429 over it);
		// -1 means no cap. Default 8.
		PerMember int `yaml:"per_member"`
		// Total caps the node's uploads in progress (503 over it); -1
		// means no cap. Default 64.
		Total int `yaml:"total"`
		// BodyIdleTimeout cuts an upload body that sends nothing for this
		// long (408); a negative value means no deadline. Default 30s.
		BodyIdleTimeout time.Duration `yaml:"body_idle_timeout"`
		// RetryAfter is the Retry-After of a refused upload. Default 5s.
		RetryAfter time.Duration `yaml:"retry_after"`
	} `yaml:"uploads"`

	Transfers struct {
		// Pin: pin each transfer hash on-chain with the node's key (needs
		// chain.keystore). Default false.
		Pin bool `yaml:"pin"`
		// IncomingPerSender caps the transfers one sending destination
		// may have arriving at once; over it the receiver answers "busy"
		// and the sender retries later. -1 means no cap. Default 4.
		IncomingPerSender int `yaml:"incoming_per_sender"`
		// RetryMin and RetryMax bound the wait after a failed attempt
		// (storage, Kafka or the registry unavailable) or a busy answer;
		// it doubles from one to the other. Defaults 1s and 5m.
		RetryMin time.Duration `yaml:"retry_min"`
		RetryMax time.Duration `yaml:"retry_max"`
		// MaxFailures: after this many failed attempts in a row the
		// transfer fails with the last error; -1 retries for ever.
		// Default 16 (about 40 minutes with the default backoff).
		MaxFailures int `yaml:"max_failures"`
	} `yaml:"transfers"`

	Debug struct {
		// Listen, when set, serves /debug/pprof/ and /debug/vars (goroutines,
		// memory and the transfer service's forged-record counts) on this
		// HOST:PORT, without authentication: bind it to loopback. Default
		// empty: not served.
		Listen string `yaml:"listen"`
	} `yaml:"debug"`

	Chain struct {
		// RPC is the Ethereum JSON-RPC endpoint (geth, Besu, Quorum). Required by serve.
		RPC string `yaml:"rpc"`
		// Registry and Pin are the deployed contract addresses (consign chain deploy prints them).
		Registry string `yaml:"registry"`
		Pin      string `yaml:"pin"`
		// Keystore is an encrypted JSON key file; PasswordFile holds its password.
		Keystore     string `yaml:"keystore"`
		PasswordFile string `yaml:"password_file"`
	} `yaml:"chain"`
}

func defaultNodeConfig() nodeConfig {
	var c nodeConfig
	c.Listen = "127.0.0.1:8080"
	c.DataDir = "consign-data"
	c.ShutdownTimeout = 15 * time.Second
	c.Log.Level = "info"
	c.Log.Format = "text"
	c.Storage.Kind = "local"
	c.Transport.Kind = "embedded"
	c.Uploads.PerMember = 8
	c.Uploads.Total = 64
	c.Uploads.BodyIdleTimeout = 30 * time.Second
	c.Uploads.RetryAfter = 5 * time.Second
	c.Transfers.IncomingPerSender = 4
	c.Transfers.RetryMin = time.Second
	c.Transfers.RetryMax = 5 * time.Minute
	c.Transfers.MaxFailures = 16
	return c
}

// parseNodeConfig parses a command's args with fs and loads the node
// configuration from the file its --config flag, path, names.
func parseNodeConfig(fs *flag.FlagSet, args []string, path *string) (nodeConfig, error) {
	if err := parseFlags(fs, args); err != nil {
		return nodeConfig{}, err
	}
	return loadNodeConfig(*path, os.LookupEnv)
}

// loadNodeConfig reads path (may be empty), applies CONSIGN_* overrides,
// fills the defaults derived from data_dir and validates.
func loadNodeConfig(path string, lookup func(string) (string, bool)) (nodeConfig, error) {
	c := defaultNodeConfig()
	if err := config.Load(&c, path, envPrefix, lookup); err != nil {
		return c, err
	}
	c.fillDerived()
	return c, c.Validate()
}

func (c *nodeConfig) fillDerived() {
	if c.Metadata.Path == "" {
		c.Metadata.Path = filepath.Join(c.DataDir, "consign.db")
	}
	if c.Storage.Local.Root == "" {
		c.Storage.Local.Root = filepath.Join(c.DataDir, "documents")
	}
	if c.Storage.IPFS.Dir == "" {
		c.Storage.IPFS.Dir = filepath.Join(c.DataDir, "ipfs")
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
var addressPattern = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// Validate reports the first bad key, naming it and its variable.
func (c nodeConfig) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &config.Error{Key: key, EnvVar: config.EnvName(envPrefix, key), Reason: fmt.Sprintf(format, args...)}
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return bad("listen", "want HOST:PORT, got %q", c.Listen)
	}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return bad("trusted_proxies", "want IP addresses or CIDR prefixes such as 10.0.0.0/8, got %q", p)
			}
		}
	}
	if c.DataDir == "" {
		return bad("data_dir", "must name a folder")
	}
	if !idPattern.MatchString(c.Environment) {
		return bad("environment", "want the environment id (lower-case letters, digits and '-'), got %q", c.Environment)
	}
	if !idPattern.MatchString(c.Member) {
		return bad("member", "want the member id (lower-case letters, digits and '-'), got %q", c.Member)
	}
	if c.ShutdownTimeout <= 0 {
		return bad("shutdown_timeout", "must be positive, got %s", c.ShutdownTimeout)
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		return bad("log.level", "%v", err)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return bad("log.format", "want text or json, got %q", c.Log.Format)
	}
	if c.Metadata.Driver != "" && c.Metadata.Driver != "sqlite" {
		return bad("metadata.driver", "want sqlite, got %q", c.Metadata.Driver)
	}
	switch c.Storage.Kind {
	case "local", "ipfs":
	case "s3":
		if c.Storage.S3.Bucket == "" {
			return bad("storage.s3.bucket", "must name the bucket when storage.kind is s3")
		}
		if c.Storage.S3.Region == "" {
			return bad("storage.s3.region", "must be set when storage.kind is s3 (any value for MinIO/versitygw, e.g. us-east-1)")
		}
		if (c.Storage.S3.AccessKey == "") != (c.Storage.S3.SecretKey == "") {
			return bad("storage.s3.secret_key", "access_key and secret_key go together: set both or neither")
		}
	case "azure":
		if c.Storage.Azure.ConnectionString == "" {
			return bad("storage.azure.connection_string", "must be set when storage.kind is azure")
		}
		if c.Storage.Azure.Container == "" {
			return bad("storage.azure.container", "must name the container when storage.kind is azure")
		}
	case "kubo":
		if !strings.HasPrefix(c.Storage.Kubo.API, "http://") && !strings.HasPrefix(c.Storage.Kubo.API, "https://") {
			return bad("storage.kubo.api", "want the Kubo RPC URL, e.g. http://127.0.0.1:5001, got %q", c.Storage.Kubo.API)
		}
	default:
		return bad("storage.kind", "want local, s3, azure, ipfs or kubo, got %q", c.Storage.Kind)
	}
	switch c.Transport.Kind {
	case "embedded":
	case "kafka":
		if len(c.Transport.Kafka.Brokers) == 0 {
			return bad("transport.kafka.brokers", "must list at least one HOST:PORT when transport.kind is kafka")
		}
		for _, b := range c.Transport.Kafka.Brokers {
			if _, _, err := net.SplitHostPort(b); err != nil {
				return bad("transport.kafka.brokers", "want HOST:PORT, got %q", b)
			}
		}
	default:
		return bad("transport.kind", "want kafka or embedded, got %q", c.Transport.Kind)
	}
	if c.Debug.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Debug.Listen); err != nil {
			return bad("debug.listen", "want HOST:PORT (a loopback address: it is not authenticated), got %q", c.Debug.Listen)
		}
	}
	if c.Chain.RPC == "" {
		return bad("chain.rpc", "must be the Ethereum JSON-RPC URL of the consortium chain")
	}
	for key, v := range map[string]string{"chain.registry": c.Chain.Registry, "chain.pin": c.Chain.Pin} {
		if !addressPattern.MatchString(v) {
			return bad(key, "want a contract address 0x followed by 40 hex digits (consign chain deploy prints it), got %q", v)
		}
	}
	for key, v := range map[string]int{"uploads.per_member": c.Uploads.PerMember, "uploads.total": c.Uploads.Total,
		"transfers.incoming_per_sender": c.Transfers.IncomingPerSender, "transfers.max_failures": c.Transfers.MaxFailures} {
		if v == 0 || v < -1 {
			return bad(key, "want a positive number, or -1 for no cap, got %d", v)
		}
	}
	if c.Uploads.BodyIdleTimeout == 0 {
		return bad("uploads.body_idle_timeout", "want a duration such as 30s, or a negative one for no deadline, got 0")
	}
	if c.Uploads.RetryAfter <= 0 {
		return bad("uploads.retry_after", "must be positive, got %s", c.Uploads.RetryAfter)
	}
	if c.Transfers.RetryMin <= 0 || c.Transfers.RetryMax < c.Transfers.RetryMin {
		return bad("transfers.retry_min", "want 0 < retry_min ≤ retry_max, got %s and %s", c.Transfers.RetryMin, c.Transfers.RetryMax)
	}
	if c.Transfers.Pin && c.Chain.Keystore == "" {
		return bad("transfers.pin", "pinning transfer hashes needs the node's key: set chain.keystore")
	}
	if c.Chain.Keystore != "" {
		if _, err := os.Stat(c.Chain.Keystore); err != nil {
			return bad("chain.keystore", "%v", err)
		}
		if c.Chain.PasswordFile == "" {
			return bad("chain.password_file", "must name the keystore's password file")
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("want debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// newLogger builds the process logger: text for people, json for collectors.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	l, _ := parseLevel(level)
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
