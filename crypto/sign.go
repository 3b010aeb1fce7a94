package crypto

import (
	stdcrypto "crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// Sign signs msg with signer under the convention for its key type:
// RSASSA-PKCS1-v1_5 over SHA-256(msg), ECDSA P-256 over SHA-256(msg) with
// an ASN.1 DER signature, or Ed25519 over msg itself.
func Sign(signer stdcrypto.Signer, msg []byte) ([]byte, error) {
	var (
		sig []byte
		err error
	)
	switch pub := signer.Public().(type) {
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		sig, err = signer.Sign(rand.Reader, d[:], stdcrypto.SHA256)
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return nil, fmt.Errorf("crypto: sign: ECDSA curve %s: %w", pub.Curve.Params().Name, ErrUnsupportedKey)
		}
		d := sha256.Sum256(msg)
		sig, err = signer.Sign(rand.Reader, d[:], stdcrypto.SHA256)
	case ed25519.PublicKey:
		sig, err = signer.Sign(rand.Reader, msg, stdcrypto.Hash(0))
	default:
		return nil, fmt.Errorf("crypto: sign with %T: %w", pub, ErrUnsupportedKey)
	}
	if err != nil {
		return nil, fmt.Errorf("crypto: sign: %w", err)
	}
	return sig, nil
}

// VerifyKey checks sig over msg with pub under the convention of Sign.
// A failed check wraps ErrBadSignature.
func VerifyKey(pub stdcrypto.PublicKey, msg, sig []byte) error {
	ok := false
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		ok = rsa.VerifyPKCS1v15(pub, stdcrypto.SHA256, d[:], sig) == nil
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return fmt.Errorf("crypto: verify: ECDSA curve %s: %w", pub.Curve.Params().Name, ErrUnsupportedKey)
		}
		d := sha256.Sum256(msg)
		ok = ecdsa.VerifyASN1(pub, d[:], sig)
	case ed25519.PublicKey:
		ok = len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)
	default:
		return fmt.Errorf("crypto: verify with %T: %w", pub, ErrUnsupportedKey)
	}
	if !ok {
		return fmt.Errorf("crypto: verify: %w", ErrBadSignature)
	}
	return nil
}

// Verify checks sig over msg against cert's public key and that cert is
// valid at now (the zero time means time.Now()). An expired certificate
// wraps ErrExpired even when the signature is good.
func Verify(cert *x509.Certificate, msg, sig []byte, now time.Time) error {
	if err := checkValidity(cert, now); err != nil {
		return fmt.Errorf("crypto: verify: %w", err)
	}
	return VerifyKey(cert.PublicKey, msg, sig)
}

// TransferHash returns the transferHash of the wire contract: the
// lowercase SHA-256 hex of from+to+hash+timestamp, with timestamp exactly
// as it appears in the transfer record.
func TransferHash(from, to, hash, timestamp string) string {
	h := sha256.New()
	h.Write([]byte(from))
	h.Write([]byte(to))
	h.Write([]byte(hash))
	h.Write([]byte(timestamp))
	return hex.EncodeToString(h.Sum(nil))
}

// SignTransferHash signs the ASCII bytes of transferHash with Sign and
// returns the signature in standard base64 (the senderSignature and
// recipientSignature fields of a transfer record).
func SignTransferHash(signer stdcrypto.Signer, transferHash string) (string, error) {
	sig, err := Sign(signer, []byte(transferHash))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyTransferHash checks a base64 signature of transferHash against
// cert, which must be valid at now. Malformed base64 wraps ErrBadSignature.
func VerifyTransferHash(cert *x509.Certificate, transferHash, sigB64 string, now time.Time) error {
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return fmt.Errorf("crypto: verify transfer hash: signature is not base64: %w", ErrBadSignature)
	}
	if err := Verify(cert, []byte(transferHash), sig, now); err != nil {
		return fmt.Errorf("crypto: verify transfer hash: %w", err)
	}
	return nil
}
