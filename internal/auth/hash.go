package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters used for new hashes. Stored
// hashes carry their own parameters, so changing these affects only
// credentials created afterwards.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
	KeyLen    uint32 // derived key length in bytes
	SaltLen   uint32 // salt length in bytes
}

// DefaultParams returns the parameters recommended by RFC 9106 for
// memory-constrained settings (its second recommended option): t=1 pass,
// 64 MiB, 2 lanes (so two cores work on one hash), a 32-byte key and a
// 16-byte salt. One hash takes about 50–100 ms on one of this project's
// machines.
func DefaultParams() Params {
	return Params{Time: 1, MemoryKiB: 64 * 1024, Threads: 2, KeyLen: 32, SaltLen: 16}
}

// limits on parameters accepted from a stored hash, so a corrupted or
// hostile row cannot make a check allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
	maxKeyLen    = 128
	maxSaltLen   = 64
	minKeyLen    = 16
	minSaltLen   = 8
)

func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: argon2id time %d outside 1..%d", ErrInvalid, p.Time, maxTime)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("%w: argon2id memory %d KiB outside %d..%d", ErrInvalid, p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	case p.Threads < 1:
		return fmt.Errorf("%w: argon2id needs at least one thread", ErrInvalid)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("%w: argon2id key length %d outside %d..%d", ErrInvalid, p.KeyLen, minKeyLen, maxKeyLen)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("%w: salt length %d outside %d..%d", ErrInvalid, p.SaltLen, minSaltLen, maxSaltLen)
	}
	return nil
}

// hashPassword derives a new argon2id hash of password with a fresh
// random salt and returns it in PHC string form.
func hashPassword(password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	params Params
	salt   []byte
	key    []byte
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$salt$key" (unpadded
// standard base64), refusing other algorithms, versions and parameters
// outside the limits above.
func parsePHC(s string) (phc, error) {
	bad := func(why string) (phc, error) {
		return phc{}, fmt.Errorf("%w: argon2id hash: %s", ErrInvalid, why)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want 5 $-separated fields")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	var h phc
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return bad("parameter without '='")
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return bad("parameter " + k + " is not a number")
		}
		switch k {
		case "m":
			h.params.MemoryKiB, seen[0] = uint32(n), true
		case "t":
			h.params.Time, seen[1] = uint32(n), true
		case "p":
			if n > 255 {
				return bad("too many threads")
			}
			h.params.Threads, seen[2] = uint8(n), true
		default:
			return bad("unknown parameter " + strconv.Quote(k))
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return bad("m, t and p are all required")
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return bad("salt is not base64")
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return bad("key is not base64")
	}
	h.params.SaltLen, h.params.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	if err := h.params.validate(); err != nil {
		return phc{}, err
	}
	return h, nil
}

// matches reports, in constant time with respect to the key bytes,
// whether password hashes to h.
func (h phc) matches(password string) bool {
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, h.params.KeyLen)
	return subtle.ConstantTimeCompare(key, h.key) == 1
}
