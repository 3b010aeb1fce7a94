package ipfs

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Layout chooses how content is cut into a UnixFS DAG and which CIDs name
// it. Every layout uses 256 KiB fixed-size chunks and a balanced DAG of at
// most 174 links per node, which is what `ipfs add` does; the layouts
// differ only in CID version and leaf encoding.
type Layout string

const (
	// LayoutCIDv1 (the default, also chosen by the empty string) matches
	// `ipfs add --cid-version=1`: CIDv1, sha2-256, raw leaves. Content
	// under 256 KiB is a single raw block whose CID starts "bafkrei".
	LayoutCIDv1 Layout = "cidv1"
	// LayoutCIDv1ProtoLeaves matches `ipfs add --cid-version=1
	// --raw-leaves=false`: CIDv1 with dag-pb UnixFS leaves.
	LayoutCIDv1ProtoLeaves Layout = "cidv1-pb-leaves"
	// LayoutCIDv0 matches a plain `ipfs add` (Kubo's default): CIDv0
	// ("Qm…") with dag-pb UnixFS leaves.
	LayoutCIDv0 Layout = "cidv0"
)

// Config configures both modes of the IPFS backend.
//
// The zero value is not usable: Dir is always required, and API is
// required by NewKubo.
type Config struct {
	// Dir is a directory owned by this backend. In embedded mode it holds
	// the blocks (Dir/blocks) and the name index (Dir/index.db); in Kubo
	// mode only the name index. It is created if missing. One process at
	// a time may open it (a lock file enforces this).
	Dir string

	// Layout selects the DAG layout and CID flavour; "" means LayoutCIDv1.
	Layout Layout

	// API is the base URL of a Kubo node's RPC API, e.g.
	// "http://127.0.0.1:5001". Used (and required) only by NewKubo.
	API string

	// MFSRoot is the MFS folder (Kubo mode) under which each store keeps
	// a folder, named by the store's random id, with one entry per CID it
	// stores; this is what keeps the content from the node's garbage
	// collection. "" means "/consign".
	MFSRoot string

	// RequestTimeout bounds each Kubo RPC call other than the streaming
	// add and cat (whose lifetime is governed by ctx). Zero means 60s.
	RequestTimeout time.Duration

	// NoSync skips fsync of block files and of the index in embedded mode.
	// Faster, but a power cut may lose objects reported as stored. Off by
	// default; meant for tests and scratch stores.
	NoSync bool
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("invalid configuration")

// Validate reports the first problem with c for the given mode.
func (c Config) validate(kubo bool) error {
	if c.Dir == "" {
		return fmt.Errorf("storage/ipfs: config: Dir is required: %w", ErrConfig)
	}
	switch c.Layout {
	case "", LayoutCIDv1, LayoutCIDv1ProtoLeaves, LayoutCIDv0:
	default:
		return fmt.Errorf("storage/ipfs: config: unknown Layout %q (want %q, %q or %q): %w",
			c.Layout, LayoutCIDv1, LayoutCIDv1ProtoLeaves, LayoutCIDv0, ErrConfig)
	}
	if c.RequestTimeout < 0 {
		return fmt.Errorf("storage/ipfs: config: RequestTimeout is negative: %w", ErrConfig)
	}
	if c.MFSRoot != "" && (!strings.HasPrefix(c.MFSRoot, "/") || strings.TrimRight(c.MFSRoot, "/") == "") {
		return fmt.Errorf("storage/ipfs: config: MFSRoot %q must be an absolute MFS path other than /: %w", c.MFSRoot, ErrConfig)
	}
	if kubo {
		if c.API == "" {
			return fmt.Errorf("storage/ipfs: config: API (Kubo RPC URL) is required in Kubo mode: %w", ErrConfig)
		}
		u, err := url.Parse(c.API)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("storage/ipfs: config: API %q is not an http(s) URL: %w", c.API, ErrConfig)
		}
	}
	return nil
}

// Validate checks c for embedded mode; ValidateKubo checks it for Kubo mode.
func (c Config) Validate() error { return c.validate(false) }

// ValidateKubo checks c for Kubo mode (API is required).
func (c Config) ValidateKubo() error { return c.validate(true) }

func (c Config) layout() Layout {
	if c.Layout == "" {
		return LayoutCIDv1
	}
	return c.Layout
}

func (c Config) mfsRoot() string {
	if c.MFSRoot == "" {
		return "/consign"
	}
	return strings.TrimRight(c.MFSRoot, "/")
}

func (c Config) timeout() time.Duration {
	if c.RequestTimeout == 0 {
		return 60 * time.Second
	}
	return c.RequestTimeout
}
