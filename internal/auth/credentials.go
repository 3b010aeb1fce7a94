package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Config tunes Credentials. The zero value is ready to use.
type Config struct {
	// Params for new hashes; the zero value means DefaultParams().
	Params Params
	// CacheTTL is how long a successful check is remembered. Zero means
	// one minute; a negative value disables the cache.
	CacheTTL time.Duration
	// RecheckAfter is how long a remembered check is used without asking
	// the store whether the credential still exists with the same hash;
	// after that a lookup (no hashing) confirms it. It bounds how long a
	// credential revoked or rotated on another node sharing the store is
	// still accepted here. Zero means one second; a negative value
	// confirms on every use.
	RecheckAfter time.Duration
	// CacheSize bounds the number of remembered checks; zero means 4096.
	CacheSize int
	// MaxConcurrentHashes bounds how many argon2id computations run at
	// once (each holds Params.MemoryKiB of memory). Zero means 2.
	MaxConcurrentHashes int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.Params != (Params{}) {
		if err := c.Params.validate(); err != nil {
			return fmt.Errorf("auth: config: %w", err)
		}
	}
	if c.CacheSize < 0 || c.MaxConcurrentHashes < 0 {
		return fmt.Errorf("auth: config: %w: negative CacheSize or MaxConcurrentHashes", ErrInvalid)
	}
	return nil
}

// Credentials issues and verifies application credentials kept in a
// Store. It implements Verifier and is safe for concurrent use.
type Credentials struct {
	store   Store
	params  Params
	ttl     time.Duration
	recheck time.Duration
	size    int
	now     func() time.Time
	sem     chan struct{}
	dummy   phc // hashed for unknown users so they cost the same

	cacheKey []byte
	mu       sync.Mutex
	cache    map[[sha256.Size]byte]cached
}

type cached struct {
	p       Principal
	hash    string    // the stored hash the check was made against
	expires time.Time // forget after
	checked time.Time // last confirmed against the store
}

// New returns Credentials over store.
func New(store Store, cfg Config) (*Credentials, error) {
	if store == nil {
		return nil, fmt.Errorf("auth: new: %w: nil store", ErrInvalid)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Credentials{
		store:    store,
		params:   cfg.Params,
		ttl:      cfg.CacheTTL,
		recheck:  cfg.RecheckAfter,
		size:     cfg.CacheSize,
		now:      cfg.Now,
		cache:    make(map[[sha256.Size]byte]cached),
		cacheKey: make([]byte, 32),
	}
	if c.params == (Params{}) {
		c.params = DefaultParams()
	}
	if c.ttl == 0 {
		c.ttl = time.Minute
	}
	if c.recheck == 0 {
		c.recheck = time.Second
	}
	if c.size == 0 {
		c.size = 4096
	}
	if c.now == nil {
		c.now = time.Now
	}
	n := cfg.MaxConcurrentHashes
	if n == 0 {
		n = 2
	}
	c.sem = make(chan struct{}, n)
	if _, err := rand.Read(c.cacheKey); err != nil {
		return nil, fmt.Errorf("auth: new: cache key: %w", err)
	}
	h, err := hashPassword("consign-unknown-user", c.params)
	if err != nil {
		return nil, fmt.Errorf("auth: new: %w", err)
	}
	if c.dummy, err = parsePHC(h); err != nil {
		return nil, fmt.Errorf("auth: new: %w", err)
	}
	return c, nil
}

// userAlphabet: user names are lower-case letters and digits, starting
// with a letter, so they are safe in URLs, logs and Basic auth.
const userAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomUser() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteByte('a' + b[0]%26) // 256 % 26 bias is irrelevant for a name
	for _, x := range b[1:] {
		sb.WriteByte(userAlphabet[int(x)%len(userAlphabet)])
	}
	return sb.String(), nil
}

// Create issues a new credential for member in environmentID and returns
// its user name and password. The password is returned only here; the
// store keeps its argon2id hash. An empty environment or member is
// refused with ErrInvalid and nothing is stored.
func (c *Credentials) Create(ctx context.Context, environmentID, member string) (user, password string, err error) {
	if environmentID == "" || member == "" {
		return "", "", fmt.Errorf("auth: create: %w: environment and member are required", ErrInvalid)
	}
	if user, err = randomUser(); err != nil {
		return "", "", fmt.Errorf("auth: create: %w", err)
	}
	password, hash, err := c.newSecret(ctx)
	if err != nil {
		return "", "", fmt.Errorf("auth: create: %w", err)
	}
	cred := Credential{User: user, EnvironmentID: environmentID, Member: member, Hash: hash, Created: c.now().UTC()}
	if err := c.store.Insert(ctx, cred); err != nil {
		return "", "", fmt.Errorf("auth: create %q: %w", user, err)
	}
	return user, password, nil
}

// newSecret makes a random password and its argon2id hash.
func (c *Credentials) newSecret(ctx context.Context) (password, hash string, err error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", "", err
	}
	password = base64.RawURLEncoding.EncodeToString(secret)
	if err := c.acquire(ctx); err != nil {
		return "", "", err
	}
	hash, err = hashPassword(password, c.params)
	c.release()
	return password, hash, err
}

// Rotate gives the credential of user a new password, returned only
// here, and stores its hash in place of the old one: the old password is
// refused at once on this node and within RecheckAfter on every node
// sharing the store. An unknown user returns an error wrapping
// ErrNotFound.
func (c *Credentials) Rotate(ctx context.Context, user string) (password string, err error) {
	if _, err := c.store.Lookup(ctx, user); err != nil {
		return "", fmt.Errorf("auth: rotate %q: %w", user, err)
	}
	password, hash, err := c.newSecret(ctx)
	if err != nil {
		return "", fmt.Errorf("auth: rotate %q: %w", user, err)
	}
	if err := c.store.SetHash(ctx, user, hash); err != nil {
		return "", fmt.Errorf("auth: rotate %q: %w", user, err)
	}
	c.forget(user)
	return password, nil
}

// Revoke deletes the credential of user and forgets its cached checks on
// this node; other nodes sharing the store refuse it within RecheckAfter.
func (c *Credentials) Revoke(ctx context.Context, user string) error {
	if err := c.store.Delete(ctx, user); err != nil {
		return fmt.Errorf("auth: revoke %q: %w", user, err)
	}
	c.forget(user)
	return nil
}

// forget drops the cached checks of user.
func (c *Credentials) forget(user string) {
	c.mu.Lock()
	for k, e := range c.cache {
		if e.p.User == user {
			delete(c.cache, k)
		}
	}
	c.mu.Unlock()
}

// Verify implements Verifier.
func (c *Credentials) Verify(ctx context.Context, user, password string) (Principal, error) {
	key := c.cacheIndex(user, password)
	e, ok := c.cached(key)
	if ok && c.now().Sub(e.checked) < c.recheck {
		return e.p, nil
	}
	cred, err := c.store.Lookup(ctx, user)
	if ok {
		// A remembered check, confirmed without hashing while the stored
		// hash is the one it was made against.
		if err == nil && cred.Hash == e.hash {
			c.confirm(key)
			return e.p, nil
		}
		c.forget(user)
	}
	var h phc
	switch {
	case err == nil:
		if h, err = parsePHC(cred.Hash); err != nil {
			return Principal{}, fmt.Errorf("auth: verify %q: stored hash: %w", user, err)
		}
	case errors.Is(err, ErrNotFound):
		h = c.dummy // spend the same time as for a real user
	default:
		return Principal{}, fmt.Errorf("auth: verify %q: %w", user, err)
	}
	if err := c.acquire(ctx); err != nil {
		return Principal{}, fmt.Errorf("auth: verify %q: %w", user, err)
	}
	ok = h.matches(password)
	c.release()
	if !ok || cred.User == "" {
		return Principal{}, fmt.Errorf("auth: verify %q: %w", user, ErrBadCredentials)
	}
	p := Principal{User: cred.User, EnvironmentID: cred.EnvironmentID, Member: cred.Member}
	c.remember(key, p, cred.Hash)
	return p, nil
}

func (c *Credentials) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Credentials) release() { <-c.sem }

// cacheIndex is HMAC-SHA256(cacheKey, len(user) || user || password):
// the length prefix keeps ("ab","c") and ("a","bc") apart.
func (c *Credentials) cacheIndex(user, password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.cacheKey)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(user)))
	m.Write(n[:])
	m.Write([]byte(user))
	m.Write([]byte(password))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
}

func (c *Credentials) cached(key [sha256.Size]byte) (cached, bool) {
	if c.ttl < 0 {
		return cached{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.cache[key]
	if !ok {
		return cached{}, false
	}
	if !c.now().Before(e.expires) {
		delete(c.cache, key)
		return cached{}, false
	}
	return e, true
}

// confirm records that a cached check was just confirmed by the store.
func (c *Credentials) confirm(key [sha256.Size]byte) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.cache[key]; ok {
		e.checked = now
		c.cache[key] = e
	}
}

func (c *Credentials) remember(key [sha256.Size]byte, p Principal, hash string) {
	if c.ttl < 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cache) >= c.size {
		for k, e := range c.cache {
			if !now.Before(e.expires) {
				delete(c.cache, k)
			}
		}
		for k := range c.cache { // still full: drop arbitrary entries
			if len(c.cache) < c.size {
				break
			}
			delete(c.cache, k)
		}
	}
	c.cache[key] = cached{p: p, hash: hash, expires: now.Add(c.ttl), checked: now}
}
