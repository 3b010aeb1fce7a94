package chain

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
)

// CertCache parses registry certificates once per distinct PEM text. It
// is safe for concurrent use; the zero value is empty and ready. It holds
// at most a few thousand certificates, forgetting them all when full.
type CertCache struct {
	mu    sync.Mutex
	certs map[[32]byte]*x509.Certificate
}

const certCacheMax = 4096

// Certificate returns d's parsed certificate (Destination.Certificate),
// from the cache when the same PEM text was parsed before.
func (c *CertCache) Certificate(d Destination) (*x509.Certificate, error) {
	h := sha256.Sum256([]byte(d.CertificatePEM))
	c.mu.Lock()
	cert, ok := c.certs[h]
	c.mu.Unlock()
	if ok {
		return cert, nil
	}
	cert, err := d.Certificate()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.certs == nil || len(c.certs) > certCacheMax {
		c.certs = map[[32]byte]*x509.Certificate{}
	}
	c.certs[h] = cert
	c.mu.Unlock()
	return cert, nil
}
