package crypto

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func openssl(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	return p
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTransferHash(t *testing.T) {
	// The transferHash is the SHA-256 hex of the plain concatenation.
	got := TransferHash("kld://a", "kld://b", "ab12", "2026-01-02T03:04:05.678Z")
	want := run(t, "sh", "-c", "printf %s 'kld://akld://bab122026-01-02T03:04:05.678Z' | sha256sum | cut -c1-64")
	if got != string(bytes.TrimSpace(want)) {
		t.Fatalf("got %s want %s", got, want)
	}
}

// TestSignatureInteropOpenSSL signs with openssl and verifies here, and
// the other way round, for each key type.
func TestSignatureInteropOpenSSL(t *testing.T) {
	ossl := openssl(t)
	th := TransferHash("kld://documentstore/m/a/e/e/s/s/d/x", "kld://documentstore/m/b/e/e/s/s/d/y", "00ff", "1700000000")
	for _, tc := range []struct {
		name    string
		genArgs []string
		raw     bool // Ed25519: pkeyutl -rawin instead of dgst
	}{
		{"rsa", []string{"req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "2", "-nodes"}, false},
		{"p256", []string{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-sha256", "-days", "2", "-nodes"}, false},
		{"ed25519", []string{"req", "-x509", "-newkey", "ed25519", "-days", "2", "-nodes"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath, certPath := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
			run(t, ossl, append(tc.genArgs, "-keyout", keyPath, "-out", certPath, "-subj", "/CN=interop")...)
			msgPath := writeFile(t, dir, "msg", []byte(th))
			certPEM, _ := os.ReadFile(certPath)
			keyPEM, _ := os.ReadFile(keyPath)
			cert, err := ParseCertificatePEM(certPEM)
			if err != nil {
				t.Fatal(err)
			}
			key, err := ParsePrivateKeyPEM(keyPEM)
			if err != nil {
				t.Fatal(err)
			}

			// openssl signs, Consign verifies.
			var sig []byte
			if tc.raw {
				sig = run(t, ossl, "pkeyutl", "-sign", "-inkey", keyPath, "-rawin", "-in", msgPath)
			} else {
				sig = run(t, ossl, "dgst", "-sha256", "-sign", keyPath, msgPath)
			}
			if err := VerifyTransferHash(cert, th, base64.StdEncoding.EncodeToString(sig), time.Now()); err != nil {
				t.Fatalf("openssl signature rejected: %v", err)
			}
			if err := VerifyTransferHash(cert, th+"0", base64.StdEncoding.EncodeToString(sig), time.Now()); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("signature over another hash accepted: %v", err)
			}

			// Consign signs, openssl verifies.
			b64, err := SignTransferHash(key, th)
			if err != nil {
				t.Fatal(err)
			}
			mine, _ := base64.StdEncoding.DecodeString(b64)
			sigPath := writeFile(t, dir, "sig", mine)
			pub := run(t, ossl, "x509", "-in", certPath, "-pubkey", "-noout")
			pubPath := writeFile(t, dir, "pub.pem", pub)
			if tc.raw {
				run(t, ossl, "pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-in", msgPath, "-sigfile", sigPath)
			} else {
				run(t, ossl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, msgPath)
			}
		})
	}
}

func TestVerifyChecksExpiry(t *testing.T) {
	d := dest(t, P256, "signer")
	sig, err := SignTransferHash(d.key, "abc")
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyTransferHash(d.cert, "abc", sig, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := VerifyTransferHash(d.cert, "abc", sig, time.Now().Add(2*DefaultValidity)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if err := VerifyTransferHash(d.cert, "abc", "%%%", time.Now()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("bad base64: %v", err)
	}
	other := dest(t, P256, "other")
	if err := VerifyTransferHash(other.cert, "abc", sig, time.Now()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other key: %v", err)
	}
}

func TestKeyPEMRoundTrip(t *testing.T) {
	for _, alg := range []KeyAlgorithm{RSA2048, P256, Ed25519} {
		d := dest(t, alg, "pem")
		pemKey, err := MarshalPrivateKeyPEM(d.key)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ParsePrivateKeyPEM(pemKey)
		if err != nil {
			t.Fatal(err)
		}
		id1, _ := PublicKeyID(k.Public())
		id2, _ := PublicKeyID(d.cert.PublicKey)
		if id1 != id2 {
			t.Fatalf("%s: key changed in PEM round trip", alg)
		}
		c, err := ParseCertificatePEM(MarshalCertificatePEM(d.cert))
		if err != nil || !c.Equal(d.cert) {
			t.Fatalf("%s: cert round trip: %v", alg, err)
		}
		csr, err := NewCSR(d.key, "csr-cn")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(csr, []byte("CERTIFICATE REQUEST")) {
			t.Fatal("no CSR PEM")
		}
	}
	if _, err := ParsePrivateKeyPEM([]byte("nope")); !errors.Is(err, ErrBadPEM) {
		t.Fatalf("garbage key: %v", err)
	}
	if _, err := ParseCertificatesPEM([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); !errors.Is(err, ErrBadPEM) {
		t.Fatalf("garbage cert: %v", err)
	}
	_ = x509.ECDSA
}

func TestCheckDestinationCertificate(t *testing.T) {
	d := dest(t, RSA2048, "required-cn")
	if err := CheckDestinationCertificate(d.cert, "required-cn", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := CheckDestinationCertificate(d.cert, "other", time.Now()); !errors.Is(err, ErrWrongName) {
		t.Fatalf("wrong CN: %v", err)
	}
	if err := CheckDestinationCertificate(d.cert, "required-cn", time.Now().Add(2*DefaultValidity)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if d.cert.IsCA {
		t.Fatal("destination certificates must not be CAs")
	}
}
