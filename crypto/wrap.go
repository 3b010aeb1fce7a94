package crypto

import (
	stdcrypto "crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"fmt"
	"math/big"

	"github.com/consign/consign/crypto/internal/format"
)

// Labels that separate every use of a key (domain separation).
const (
	labelRSAOAEP   = "consign/v1 rsa-oaep"
	labelP256      = "consign/v1 p256"
	labelX25519    = "consign/v1 x25519"
	labelHeaderMAC = "consign/v1 header"
	labelPayload   = "consign/v1 payload"
	labelSignature = "consign/v1 envelope signature\n"
)

const fileKeySize = 32

// ECDHKey is a private key that can do Diffie-Hellman itself (as
// *ecdh.PrivateKey does), the shape an HSM-backed EC or X25519 key takes.
type ECDHKey interface {
	Public() stdcrypto.PublicKey
	ECDH(remote *ecdh.PublicKey) ([]byte, error)
}

// certPublicKey returns cert's public key, including X25519 keys, which
// x509.ParseCertificate leaves nil but ParsePKIXPublicKey understands.
func certPublicKey(cert *x509.Certificate) stdcrypto.PublicKey {
	if cert.PublicKey != nil {
		return cert.PublicKey
	}
	pub, err := x509.ParsePKIXPublicKey(cert.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil
	}
	return pub
}

// recipientKey converts a certificate public key to the form the wrapping
// uses: *rsa.PublicKey or *ecdh.PublicKey (P-256 or X25519; Ed25519 keys
// are mapped to their X25519 birational equivalent).
func recipientKey(pub stdcrypto.PublicKey) (any, byte, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, 0, fmt.Errorf("RSA key of %d bits: %w", k.N.BitLen(), ErrUnsupportedKey)
		}
		return k, format.StanzaRSAOAEP, nil
	case *ecdsa.PublicKey:
		e, err := k.ECDH()
		if err != nil || e.Curve() != ecdh.P256() {
			return nil, 0, fmt.Errorf("ECDSA key on %s: %w", k.Curve.Params().Name, ErrUnsupportedKey)
		}
		return e, format.StanzaP256, nil
	case *ecdh.PublicKey:
		switch k.Curve() {
		case ecdh.P256():
			return k, format.StanzaP256, nil
		case ecdh.X25519():
			return k, format.StanzaX25519, nil
		}
	case ed25519.PublicKey:
		x, err := ed25519PublicToX25519(k)
		if err != nil {
			return nil, 0, err
		}
		return x, format.StanzaX25519, nil
	}
	return nil, 0, fmt.Errorf("recipient key %T: %w", pub, ErrUnsupportedKey)
}

// wrapFileKey wraps fileKey for the recipient public key pub.
func wrapFileKey(pub stdcrypto.PublicKey, fileKey []byte) (format.Stanza, error) {
	id, err := PublicKeyID(pub)
	if err != nil {
		return format.Stanza{}, err
	}
	k, typ, err := recipientKey(pub)
	if err != nil {
		return format.Stanza{}, err
	}
	s := format.Stanza{Type: typ, KeyID: id}
	switch k := k.(type) {
	case *rsa.PublicKey:
		s.Body, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, k, fileKey, []byte(labelRSAOAEP))
	case *ecdh.PublicKey:
		var eph *ecdh.PrivateKey
		eph, err = k.Curve().GenerateKey(rand.Reader)
		if err != nil {
			break
		}
		var shared []byte
		shared, err = eph.ECDH(k)
		if err != nil {
			break
		}
		ephPub := eph.PublicKey().Bytes()
		var aead cipher.AEAD
		aead, err = ecdhWrapAEAD(shared, ephPub, k.Bytes(), typ)
		if err != nil {
			break
		}
		s.Body = aead.Seal(ephPub, make([]byte, 12), fileKey, nil)
	}
	if err != nil {
		return format.Stanza{}, fmt.Errorf("wrap file key: %w", err)
	}
	return s, nil
}

func ecdhWrapAEAD(shared, ephPub, recipientPub []byte, typ byte) (cipher.AEAD, error) {
	label := labelP256
	if typ == format.StanzaX25519 {
		label = labelX25519
	}
	salt := append(append([]byte{}, ephPub...), recipientPub...)
	return hkdfGCM(shared, salt, label)
}

// hkdfGCM is AES-256-GCM keyed with HKDF-SHA-256 of secret, salt and
// label (the HKDF info).
func hkdfGCM(secret, salt []byte, label string) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, secret, salt, label, 32)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// unwrapper recovers a file key from the stanza addressed to one private key.
type unwrapper struct {
	id     KeyID
	typ    byte
	unwrap func(body []byte) ([]byte, error)
}

// newUnwrapper adapts a private key: a crypto.Decrypter with an RSA public
// key, an *ecdsa.PrivateKey on P-256, an ed25519.PrivateKey, or any ECDHKey.
func newUnwrapper(key stdcrypto.PrivateKey) (*unwrapper, error) {
	pubOf, ok := key.(interface{ Public() stdcrypto.PublicKey })
	if !ok {
		return nil, fmt.Errorf("private key %T: %w", key, ErrUnsupportedKey)
	}
	pub := pubOf.Public()
	id, err := PublicKeyID(pub)
	if err != nil {
		return nil, err
	}
	u := &unwrapper{id: id}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		e, err := k.ECDH()
		if err != nil {
			return nil, fmt.Errorf("ECDSA key: %w", ErrUnsupportedKey)
		}
		key = e
	case ed25519.PrivateKey:
		x, err := ed25519PrivateToX25519(k)
		if err != nil {
			return nil, fmt.Errorf("ed25519 key: %w", ErrUnsupportedKey)
		}
		key = x
	}
	switch k := key.(type) {
	case ECDHKey:
		epub, ok := k.Public().(*ecdh.PublicKey)
		if !ok {
			return nil, fmt.Errorf("ECDH key with public %T: %w", k.Public(), ErrUnsupportedKey)
		}
		curve, ephLen := epub.Curve(), 65
		u.typ = format.StanzaP256
		if curve == ecdh.X25519() {
			u.typ, ephLen = format.StanzaX25519, 32
		} else if curve != ecdh.P256() {
			return nil, fmt.Errorf("ECDH curve %v: %w", curve, ErrUnsupportedKey)
		}
		u.unwrap = func(body []byte) ([]byte, error) {
			if len(body) != ephLen+fileKeySize+16 {
				return nil, fmt.Errorf("%w: ECDH stanza of %d bytes", ErrMalformed, len(body))
			}
			eph, err := curve.NewPublicKey(body[:ephLen])
			if err != nil {
				return nil, fmt.Errorf("%w: ephemeral key: %v", ErrMalformed, err)
			}
			shared, err := k.ECDH(eph)
			if err != nil {
				return nil, fmt.Errorf("%w: ECDH: %v", ErrTampered, err)
			}
			aead, err := ecdhWrapAEAD(shared, body[:ephLen], epub.Bytes(), u.typ)
			if err != nil {
				return nil, err
			}
			fk, err := aead.Open(nil, make([]byte, 12), body[ephLen:], nil)
			if err != nil {
				return nil, fmt.Errorf("%w: file key does not unwrap", ErrTampered)
			}
			return fk, nil
		}
	case stdcrypto.Decrypter:
		if _, ok := pub.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("decrypter with public key %T: %w", pub, ErrUnsupportedKey)
		}
		u.typ = format.StanzaRSAOAEP
		u.unwrap = func(body []byte) ([]byte, error) {
			fk, err := k.Decrypt(rand.Reader, body, &rsa.OAEPOptions{Hash: stdcrypto.SHA256, Label: []byte(labelRSAOAEP)})
			if err != nil || len(fk) != fileKeySize {
				return nil, fmt.Errorf("%w: file key does not unwrap", ErrTampered)
			}
			return fk, nil
		}
	default:
		return nil, fmt.Errorf("private key %T: %w", key, ErrUnsupportedKey)
	}
	return u, nil
}

// Curve25519 field prime 2^255 - 19.
var p25519 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// ed25519PublicToX25519 maps an Edwards point to its Montgomery u
// coordinate, u = (1 + y) / (1 - y) mod p (RFC 7748, section 4.1).
func ed25519PublicToX25519(pub ed25519.PublicKey) (*ecdh.PublicKey, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("ed25519 key of %d bytes: %w", len(pub), ErrUnsupportedKey)
	}
	le := make([]byte, 32)
	for i := range le {
		le[i] = pub[31-i]
	}
	le[0] &= 0x7f // drop the sign bit of x
	y := new(big.Int).SetBytes(le)
	if y.Cmp(p25519) >= 0 {
		return nil, fmt.Errorf("ed25519 key not canonical: %w", ErrUnsupportedKey)
	}
	one := big.NewInt(1)
	num := new(big.Int).Add(one, y)
	den := new(big.Int).Sub(one, y)
	den.Mod(den, p25519)
	if den.Sign() == 0 {
		return nil, fmt.Errorf("ed25519 key is the identity: %w", ErrUnsupportedKey)
	}
	u := num.Mul(num, den.ModInverse(den, p25519))
	u.Mod(u, p25519)
	ub := u.FillBytes(make([]byte, 32))
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		ub[i], ub[j] = ub[j], ub[i]
	}
	return ecdh.X25519().NewPublicKey(ub)
}

// ed25519PrivateToX25519 derives the X25519 scalar of an Ed25519 key: the
// first half of SHA-512(seed), which X25519 clamps itself.
func ed25519PrivateToX25519(k ed25519.PrivateKey) (*ecdh.PrivateKey, error) {
	h := sha512.Sum512(k.Seed())
	return ecdh.X25519().NewPrivateKey(h[:32])
}
