package crypto

import (
	stdcrypto "crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// KeyAlgorithm names a kind of destination key.
type KeyAlgorithm string

// The key kinds GenerateKey makes. The zero value means RSA2048, the kind
// every existing client can use.
const (
	RSA2048 KeyAlgorithm = "rsa2048"
	RSA3072 KeyAlgorithm = "rsa3072"
	P256    KeyAlgorithm = "p256"
	Ed25519 KeyAlgorithm = "ed25519"
)

// DefaultValidity is how long GenerateDestination's certificates last.
const DefaultValidity = 365 * 24 * time.Hour

// GenerateKey makes a new private key of the given kind.
func GenerateKey(alg KeyAlgorithm) (stdcrypto.Signer, error) {
	switch alg {
	case RSA2048, "":
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case P256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("crypto: generate key %q: %w", alg, ErrUnsupportedKey)
}

// GenerateDestination makes a destination key of the given kind and a
// self-signed certificate for it whose subject CN is cn, valid from a
// minute ago for DefaultValidity.
func GenerateDestination(cn string, alg KeyAlgorithm) (stdcrypto.Signer, *x509.Certificate, error) {
	key, err := GenerateKey(alg)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	cert, err := SelfSign(key, cn, now.Add(-time.Minute), now.Add(DefaultValidity))
	if err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}

// SelfSign issues a self-signed certificate for key with subject CN cn.
// The certificate may sign (digitalSignature) and receive wrapped keys
// (keyEncipherment for RSA, keyAgreement for EC). It is not a CA: a
// destination key has no business issuing certificates.
func SelfSign(key stdcrypto.Signer, cn string, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("crypto: self-sign: %w", err)
	}
	usage := x509.KeyUsageDigitalSignature
	switch key.Public().(type) {
	case *rsa.PublicKey:
		usage |= x509.KeyUsageKeyEncipherment
	case *ecdsa.PublicKey:
		usage |= x509.KeyUsageKeyAgreement
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore.UTC(),
		NotAfter:              notAfter.UTC(),
		KeyUsage:              usage,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("crypto: self-sign %q: %w", cn, err)
	}
	return x509.ParseCertificate(der)
}

// NewCSR makes a PKCS#10 certificate request (PEM "CERTIFICATE REQUEST")
// for key with subject CN cn, for signing by a CA.
func NewCSR(key stdcrypto.Signer, cn string) ([]byte, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		return nil, fmt.Errorf("crypto: csr %q: %w", cn, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// MarshalPrivateKeyPEM encodes key as PKCS#8 PEM ("PRIVATE KEY").
func MarshalPrivateKeyPEM(key stdcrypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("crypto: marshal key: %w: %v", ErrUnsupportedKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM decodes the first private key in data: PKCS#8
// ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY").
// Encrypted PEM is refused.
func ParsePrivateKeyPEM(data []byte) (stdcrypto.Signer, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("crypto: parse key: no private key block: %w", ErrBadPEM)
		}
		var (
			k   any
			err error
		)
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("crypto: parse key: encrypted keys are not supported (decrypt with openssl pkey first): %w", ErrBadPEM)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("crypto: parse key: %w: %v", ErrBadPEM, err)
		}
		s, ok := k.(stdcrypto.Signer)
		if !ok {
			return nil, fmt.Errorf("crypto: parse key %T: %w", k, ErrUnsupportedKey)
		}
		return s, nil
	}
}

// ParseOpeningKeyPEM decodes a private key for Open and
// NewSessionReceiver: anything ParsePrivateKeyPEM accepts, plus PKCS#8
// X25519 keys (*ecdh.PrivateKey), which can open but not sign.
func ParseOpeningKeyPEM(data []byte) (stdcrypto.PrivateKey, error) {
	k, err := ParsePrivateKeyPEM(data)
	if err == nil || !errors.Is(err, ErrUnsupportedKey) {
		return k, err
	}
	for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
		if b.Type != "PRIVATE KEY" {
			continue
		}
		if x, perr := x509.ParsePKCS8PrivateKey(b.Bytes); perr == nil {
			if e, ok := x.(*ecdh.PrivateKey); ok {
				return e, nil
			}
		}
	}
	return nil, err
}

// ReadPEMFile reads the file at path and decodes it with parse
// (ParsePrivateKeyPEM, ParseCertificatePEM, ...); a parse error is
// prefixed with the path.
func ReadPEMFile[T any](path string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, err
	}
	v, err := parse(b)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// MarshalCertificatePEM encodes cert as PEM ("CERTIFICATE").
func MarshalCertificatePEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// ParseCertificatePEM decodes the first certificate in data.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	certs, err := ParseCertificatesPEM(data)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// maxChainLen bounds the certificates accepted from one PEM input.
const maxChainLen = 16

// ParseCertificatesPEM decodes every certificate in data, in order. Blocks
// of other types are skipped; no certificate at all is an error.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if len(certs) == maxChainLen {
			return nil, fmt.Errorf("crypto: parse certificates: more than %d: %w", maxChainLen, ErrBadPEM)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("crypto: parse certificate %d: %w: %v", len(certs)+1, ErrBadPEM, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("crypto: parse certificates: no CERTIFICATE block: %w", ErrBadPEM)
	}
	return certs, nil
}

// KeyID is the SHA-256 of a public key's DER SubjectPublicKeyInfo: how
// envelopes and sessions name recipients and signers.
type KeyID [32]byte

// PublicKeyID returns the KeyID of pub.
func PublicKeyID(pub stdcrypto.PublicKey) (KeyID, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return KeyID{}, fmt.Errorf("crypto: key id: %w: %v", ErrUnsupportedKey, err)
	}
	return sha256.Sum256(der), nil
}

// checkValidity reports ErrExpired when now is outside cert's validity.
func checkValidity(cert *x509.Certificate, now time.Time) error {
	if now.IsZero() {
		now = time.Now()
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("%w: %q valid %s to %s", ErrExpired, cert.Subject.CommonName,
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// CheckDestinationCertificate checks a certificate offered for a
// destination: its subject CN must be exactly requiredCN (ErrWrongName),
// it must be valid at now (ErrExpired; zero now means time.Now()), and its
// key must be one the envelope can seal to and Verify can check: RSA of
// at least 2048 bits, ECDSA P-256 or Ed25519 (ErrUnsupportedKey).
func CheckDestinationCertificate(cert *x509.Certificate, requiredCN string, now time.Time) error {
	const op = "crypto: destination certificate"
	if cert.Subject.CommonName != requiredCN {
		return fmt.Errorf("%s: CN is %q, must be %q: %w", op, cert.Subject.CommonName, requiredCN, ErrWrongName)
	}
	if err := checkValidity(cert, now); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, _, err := recipientKey(certPublicKey(cert)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := sigAlgOf(cert.PublicKey); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
