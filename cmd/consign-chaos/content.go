package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
)

// content is size bytes drawn from seed: the same bytes every time, so
// the driver knows every document's hash without keeping it.
func content(seed uint64, size int64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return io.LimitReader(rand.NewChaCha8(s), size)
}

func contentHash(seed uint64, size int64) string {
	h := sha256.New()
	io.Copy(h, content(seed, size))
	return hex.EncodeToString(h.Sum(nil))
}

// logUniform draws a size between lo and hi, uniform in its logarithm, so
// that small and large documents are both common.
func logUniform(r *rand.Rand, lo, hi int64) int64 {
	l, h := math.Log(float64(lo)), math.Log(float64(hi))
	return int64(math.Exp(l + r.Float64()*(h-l)))
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
