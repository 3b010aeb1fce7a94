package docstore

import (
	stdcrypto "crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"

	"github.com/consign/consign/crypto"
	"github.com/consign/consign/destination"
)

// KeyRing is a KeySource held in memory: the node's managed
// destinations added one by one (from key files, say). It is safe for
// concurrent use; the zero value is empty and ready.
type KeyRing struct {
	mu   sync.RWMutex
	keys map[destination.URI]DestinationKey
}

// Add records the key and certificate of member's managed destination
// uri. The key must be the certificate's.
func (k *KeyRing) Add(uri destination.URI, member string, key stdcrypto.Signer, cert *x509.Certificate) error {
	if uri.IsZero() || member == "" || key == nil || cert == nil {
		return errors.New("docstore: key ring: uri, member, key and certificate are required")
	}
	a, err := crypto.PublicKeyID(key.Public())
	if err != nil {
		return fmt.Errorf("docstore: key ring: %q: %w", uri, err)
	}
	b, err := crypto.PublicKeyID(cert.PublicKey)
	if err != nil || a != b {
		return fmt.Errorf("docstore: key ring: %q: the key is not the certificate's", uri)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[destination.URI]DestinationKey{}
	}
	k.keys[uri] = DestinationKey{Member: member, Key: key, Certificate: cert}
	return nil
}

// Remove forgets destination uri.
func (k *KeyRing) Remove(uri destination.URI) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.keys, uri)
}

// ManagedKey implements KeySource.
func (k *KeyRing) ManagedKey(uri destination.URI) (member string, key stdcrypto.Signer, cert *x509.Certificate, err error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	d, ok := k.keys[uri]
	if !ok {
		return "", nil, nil, fmt.Errorf("docstore: destination %q: this node holds no key for it: %w", clip(uri.String()), destination.ErrUnknownDestination)
	}
	return d.Member, d.Key, d.Certificate, nil
}
