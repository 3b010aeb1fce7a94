package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// fastParams keep the unit tests quick; TestDefaultParams exercises the
// real cost once.
var fastParams = Params{Time: 1, MemoryKiB: 64, Threads: 1, KeyLen: 32, SaltLen: 16}

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

// countingStore counts lookups so tests can see whether the cache worked.
type countingStore struct {
	Store
	lookups atomic.Int64
}

func (s *countingStore) Lookup(ctx context.Context, user string) (Credential, error) {
	s.lookups.Add(1)
	return s.Store.Lookup(ctx, user)
}

func newCreds(t *testing.T, store Store, clk *clock) *Credentials {
	t.Helper()
	cfg := Config{Params: fastParams}
	if clk != nil {
		cfg.Now = clk.now
	}
	c, err := New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateVerify(t *testing.T) {
	ctx := context.Background()
	store := &MemoryStore{}
	c := newCreds(t, store, nil)
	user, pass, err := c.Create(ctx, "env1", "org1")
	if err != nil {
		t.Fatal(err)
	}
	if len(user) != 12 || len(pass) != 43 {
		t.Fatalf("user %q (%d) password length %d", user, len(user), len(pass))
	}
	p, err := c.Verify(ctx, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Principal{User: user, EnvironmentID: "env1", Member: "org1"}); p != want {
		t.Fatalf("principal %+v, want %+v", p, want)
	}
	stored, err := store.Lookup(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.Hash, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(stored.Hash, pass) {
		t.Fatalf("stored hash %q", stored.Hash)
	}

	for name, tc := range map[string][2]string{
		"wrong password": {user, pass + "x"},
		"empty password": {user, ""},
		"unknown user":   {"nosuchuser", pass},
		"swapped":        {pass, user},
	} {
		if _, err := c.Verify(ctx, tc[0], tc[1]); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("%s: err %v, want ErrBadCredentials", name, err)
		}
	}
}

func TestSaltsDiffer(t *testing.T) {
	a, err := hashPassword("same", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hashPassword("same", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	ha, err := parsePHC(a)
	if err != nil {
		t.Fatal(err)
	}
	if !ha.matches("same") || ha.matches("Same") {
		t.Fatal("matches is wrong")
	}
}

func TestDefaultParams(t *testing.T) {
	c, err := New(&MemoryStore{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	user, pass, err := c.Create(ctx, "e", "m")
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := c.store.Lookup(ctx, user)
	if !strings.HasPrefix(cred.Hash, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Fatalf("hash %q does not use the default parameters", cred.Hash)
	}
	if _, err := c.Verify(ctx, user, pass); err != nil {
		t.Fatal(err)
	}
}

func TestCreateRefusesEmpty(t *testing.T) {
	store := &MemoryStore{}
	c := newCreds(t, store, nil)
	for _, tc := range [][2]string{{"", "m"}, {"e", ""}} {
		if _, _, err := c.Create(context.Background(), tc[0], tc[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("Create(%q,%q): %v, want ErrInvalid", tc[0], tc[1], err)
		}
	}
	if l, _ := store.List(context.Background(), ""); len(l) != 0 || len(store.m) != 0 {
		t.Fatal("a refused Create stored something")
	}
}

func TestAllowed(t *testing.T) {
	p := Principal{User: "u", EnvironmentID: "a", Member: "m"}
	if err := p.Allowed("a"); err != nil {
		t.Fatal(err)
	}
	if err := p.Allowed("b"); !errors.Is(err, ErrWrongEnvironment) {
		t.Fatalf("err %v", err)
	}
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	store := &countingStore{Store: &MemoryStore{}}
	c := newCreds(t, store, clk)
	user, pass, err := c.Create(ctx, "env", "org")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Verify(ctx, user, pass); err != nil {
			t.Fatal(err)
		}
	}
	if n := store.lookups.Load(); n != 1 {
		t.Fatalf("%d lookups for 3 checks, want 1 (cache)", n)
	}
	// A wrong password is never answered from the cache.
	if _, err := c.Verify(ctx, user, pass+"!"); !errors.Is(err, ErrBadCredentials) {
		t.Fatal(err)
	}
	if n := store.lookups.Load(); n != 2 {
		t.Fatalf("%d lookups, want 2", n)
	}
	clk.advance(time.Minute)
	if _, err := c.Verify(ctx, user, pass); err != nil {
		t.Fatal(err)
	}
	if n := store.lookups.Load(); n != 3 {
		t.Fatalf("%d lookups after expiry, want 3", n)
	}
	// Revocation forgets the cached check at once.
	if err := c.Revoke(ctx, user); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Verify(ctx, user, pass); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("revoked credential: %v", err)
	}
	if err := c.Revoke(ctx, user); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
}

func TestCacheBounded(t *testing.T) {
	ctx := context.Background()
	store := &MemoryStore{}
	c, err := New(store, Config{Params: fastParams, CacheSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		u, p, err := c.Create(ctx, "e", "m")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Verify(ctx, u, p); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.cache); n > 2 {
		t.Fatalf("cache holds %d entries, bound is 2", n)
	}
}

func TestVerifyCancelled(t *testing.T) {
	c, err := New(&MemoryStore{}, Config{Params: fastParams, MaxConcurrentHashes: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.sem <- struct{}{} // every hashing slot busy
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Verify(ctx, "u", "p"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestParsePHC(t *testing.T) {
	good, err := hashPassword("pw", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parsePHC(good); err != nil {
		t.Fatalf("good hash: %v", err)
	}
	parts := strings.Split(good, "$")
	bad := map[string]string{
		"empty":          "",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"version":        strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    "$argon2id$v=19$m=4194304,t=1,p=1$" + parts[4] + "$" + parts[5],
		"many passes":    "$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"zero threads":   "$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"missing param":  "$argon2id$v=19$m=64,t=1$" + parts[4] + "$" + parts[5],
		"unknown param":  "$argon2id$v=19$m=64,t=1,p=1,x=2$" + parts[4] + "$" + parts[5],
		"not base64":     "$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5],
		"short salt":     "$argon2id$v=19$m=64,t=1,p=1$AAAA$" + parts[5],
		"extra field":    good + "$x",
		"no leading $":   good[1:],
		"number garbage": "$argon2id$v=19$m=6x4,t=1,p=1$" + parts[4] + "$" + parts[5],
	}
	for name, s := range bad {
		if _, err := parsePHC(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want ErrInvalid", name, err)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U")
	f.Add("$argon2id$v=19$m=65536,t=1,p=2$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if err := h.params.validate(); err != nil {
			t.Fatalf("accepted parameters that do not validate: %v", err)
		}
		if h.params.MemoryKiB > maxMemoryKiB || int(h.params.KeyLen) != len(h.key) {
			t.Fatalf("accepted %+v", h.params)
		}
	})
}

// storeSuite is the behaviour every Store must show.
func storeSuite(t *testing.T, s Store) {
	ctx := context.Background()
	hash, err := hashPassword("pw", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	base := time.UnixMilli(1_700_000_000_000).UTC()
	creds := []Credential{
		{User: "bob", EnvironmentID: "e1", Member: "m1", Hash: hash, Created: base.Add(2 * time.Second)},
		{User: "alice", EnvironmentID: "e1", Member: "m2", Hash: hash, Created: base.Add(time.Second)},
		{User: "carol", EnvironmentID: "e2", Member: "m1", Hash: hash, Created: base},
	}
	for _, c := range creds {
		if err := s.Insert(ctx, c); err != nil {
			t.Fatalf("insert %s: %v", c.User, err)
		}
	}
	dup := creds[0]
	dup.Member = "other"
	if err := s.Insert(ctx, dup); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate insert: %v, want ErrExists", err)
	}
	for _, bad := range []Credential{
		{User: "", EnvironmentID: "e", Member: "m", Hash: hash},
		{User: "x", EnvironmentID: "", Member: "m", Hash: hash},
		{User: "x", EnvironmentID: "e", Member: "m", Hash: "plaintext"},
	} {
		if err := s.Insert(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("insert %+v: %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.Lookup(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused insert was stored: %v", err)
	}
	got, err := s.Lookup(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if got != creds[0] {
		t.Fatalf("lookup: %+v, want %+v", got, creds[0])
	}
	list, err := s.List(ctx, "e1")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].User != "alice" || list[1].User != "bob" {
		t.Fatalf("list e1: %+v", list)
	}
	hash2, err := hashPassword("pw2", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetHash(ctx, "bob", "plaintext"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("set a malformed hash: %v", err)
	}
	if err := s.SetHash(ctx, "nobody", hash2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("set hash of unknown user: %v", err)
	}
	if err := s.SetHash(ctx, "bob", hash2); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Lookup(ctx, "bob"); got.Hash != hash2 || got.Member != "m1" {
		t.Fatalf("after SetHash: %+v", got)
	}
	if err := s.Delete(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Lookup(ctx, "bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("lookup deleted: %v", err)
	}
	if list, _ := s.List(ctx, "nope"); len(list) != 0 {
		t.Fatalf("list of unknown environment: %+v", list)
	}
}

func TestMemoryStore(t *testing.T) { storeSuite(t, &MemoryStore{}) }

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLStore(t *testing.T) {
	s := NewSQLStore(openSQLite(t), SQLite)
	for range 2 { // Migrate is idempotent
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	storeSuite(t, s)
}

func TestSQLStoreCredentials(t *testing.T) {
	ctx := context.Background()
	s := NewSQLStore(openSQLite(t), SQLite)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := newCreds(t, s, nil)
	user, pass, err := c.Create(ctx, "env", "org")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := c.Verify(ctx, user, pass); err != nil || p.Member != "org" {
		t.Fatalf("verify: %+v %v", p, err)
	}
}

func TestPostgresPlaceholders(t *testing.T) {
	s := NewSQLStore(nil, Postgres)
	if got := s.q("a = ? AND b = ?"); got != "a = $1 AND b = $2" {
		t.Fatalf("got %q", got)
	}
}

func ExampleCredentials() {
	ctx := context.Background()
	creds, err := New(&MemoryStore{}, Config{})
	if err != nil {
		panic(err)
	}
	user, password, err := creds.Create(ctx, "env1", "acme")
	if err != nil {
		panic(err)
	}
	p, err := creds.Verify(ctx, user, password)
	fmt.Println(p.Member, p.EnvironmentID, err)
	fmt.Println(p.Allowed("env2"))
	_, err = creds.Verify(ctx, user, "guess")
	fmt.Println(errors.Is(err, ErrBadCredentials))
	// Output:
	// acme env1 <nil>
	// credential belongs to another environment
	// true
}

// BenchmarkVerify measures a check with the default argon2id parameters,
// without and with the verification cache.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"argon2id", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := New(&MemoryStore{}, Config{CacheTTL: bc.ttl})
			if err != nil {
				b.Fatal(err)
			}
			user, pass, err := c.Create(ctx, "e", "m")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.Verify(ctx, user, pass); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSharedStoreRevocation: two nodes (two Credentials) share a store;
// a credential revoked or rotated on one is refused by the other once
// RecheckAfter has passed, without waiting for the cache lifetime.
func TestSharedStoreRevocation(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	store := &MemoryStore{}
	cfg := Config{Params: fastParams, Now: clk.now, RecheckAfter: time.Second}
	a, err := New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	user, pass, err := a.Create(ctx, "env", "org")
	if err != nil {
		t.Fatal(err)
	}
	other, otherPass, err := a.Create(ctx, "env", "org")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Credentials{a, b} {
		for _, up := range [][2]string{{user, pass}, {other, otherPass}} {
			if _, err := c.Verify(ctx, up[0], up[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.Revoke(ctx, user); err != nil {
		t.Fatal(err)
	}
	newPass, err := a.Rotate(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if newPass == otherPass {
		t.Fatal("rotation kept the password")
	}
	// The node that changed them refuses at once.
	if _, err := a.Verify(ctx, user, pass); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("revoked on a: %v", err)
	}
	if _, err := a.Verify(ctx, other, otherPass); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("rotated on a: %v", err)
	}
	clk.advance(time.Second)
	if _, err := b.Verify(ctx, user, pass); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("revoked, on b after RecheckAfter: %v", err)
	}
	if _, err := b.Verify(ctx, other, otherPass); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("rotated, old password on b after RecheckAfter: %v", err)
	}
	for _, c := range []*Credentials{a, b} {
		if _, err := c.Verify(ctx, other, newPass); err != nil {
			t.Fatalf("rotated password: %v", err)
		}
	}
	if _, err := a.Rotate(ctx, user); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rotate a revoked credential: %v", err)
	}
}

// TestRecheckConfirmsWithoutHashing: past RecheckAfter a cached check is
// confirmed by a lookup and used again; the lookups stay one per period.
func TestRecheckConfirmsWithoutHashing(t *testing.T) {
	ctx := context.Background()
	clk := &clock{}
	store := &countingStore{Store: &MemoryStore{}}
	c, err := New(store, Config{Params: fastParams, Now: clk.now, RecheckAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	user, pass, err := c.Create(ctx, "e", "m")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := c.Verify(ctx, user, pass); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			clk.advance(time.Second)
		}
	}
	if n := store.lookups.Load(); n != 2 {
		t.Fatalf("%d lookups, want 2 (one check, one confirmation)", n)
	}
}

// TestOperatorTableIsSeparate: an operator credential is not an
// application credential, and the reverse.
func TestOperatorTableIsSeparate(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	apps, ops := NewSQLStore(db, SQLite), NewOperatorSQLStore(db, SQLite)
	for _, s := range []*SQLStore{apps, ops} {
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	appCreds, opCreds := newCreds(t, apps, nil), newCreds(t, ops, nil)
	au, ap, err := appCreds.Create(ctx, "env", "m")
	if err != nil {
		t.Fatal(err)
	}
	ou, op, err := opCreds.Create(ctx, "*", "operator")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opCreds.Verify(ctx, au, ap); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("app credential as operator: %v", err)
	}
	if _, err := appCreds.Verify(ctx, ou, op); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("operator credential as app credential: %v", err)
	}
	if _, err := opCreds.Verify(ctx, ou, op); err != nil {
		t.Fatal(err)
	}
}
