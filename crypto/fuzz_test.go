package crypto

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Fuzz targets for every parser of untrusted input: the envelope (header,
// chunks, trailer), session frames, CMS EnvelopedData, PEM chains and
// identity proofs, PEM keys. Seeds come from the test vectors.

func vectorBodies(f *testing.F, prefix string) {
	files, _ := filepath.Glob(filepath.Join(vectorDir, "vectors", prefix+"*.txt"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if v, err := parseVector(p, data); err == nil {
			f.Add(v.body)
		}
	}
}

func FuzzOpenEnvelope(f *testing.F) {
	vectorBodies(f, "envelope-")
	key := loadKey(f, "recipient-p256")
	sender := loadCert(f, "sender-p256")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(context.Background(), bytes.NewReader(data), key, OpenOptions{Senders: []*x509.Certificate{sender}, Now: vecNow})
		if err != nil {
			return
		}
		defer r.Close()
		io.Copy(io.Discard, r)
	})
}

func FuzzSessionOpen(f *testing.F) {
	snd, rcv := loadKey(f, "sender-p256"), loadKey(f, "recipient-rsa")
	sndCert, rcvCert := loadCert(f, "sender-p256"), loadCert(f, "recipient-rsa")
	now := func() time.Time { return vecNow }
	s, err := NewSessionSender(snd, rcvCert, SessionConfig{Now: now})
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range []string{"", "hello", "a longer message of some bytes"} {
		fr, err := s.Seal([]byte(m))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(fr)
	}
	r, err := NewSessionReceiver(rcv, sndCert, SessionConfig{Now: now})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		r.Open(frame)
	})
}

func FuzzDecryptCMS(f *testing.F) {
	key := loadKey(f, "recipient-rsa").(*rsa.PrivateKey)
	cert := loadCert(f, "recipient-rsa")
	for _, m := range []string{"", "x", "a JSON message {\"headers\":{}}"} {
		p7, err := EncryptCMS([]byte(m), []*x509.Certificate{cert})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p7)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		DecryptCMS(data, key, nil)
		DecryptCMS(data, key, cert)
	})
}

func FuzzVerifyIdentityProof(f *testing.F) {
	vectorBodies(f, "idproof-")
	f.Fuzz(func(t *testing.T, chain []byte) {
		p, err := VerifyIdentityProof(chain, IdentityPolicy{EnvironmentID: "zzenv1", Nonce: "nonce42", Now: vecNow})
		if err == nil && (p.Leaf == nil || p.EnvironmentID != "zzenv1" || p.Nonce != "nonce42") {
			t.Fatalf("accepted proof with inconsistent report %+v", p)
		}
	})
}

func FuzzParsePEM(f *testing.F) {
	for _, n := range []string{"recipient-rsa.key", "sender-p256.key", "recipient-ed25519.crt"} {
		b, err := os.ReadFile(filepath.Join(vectorDir, "keys", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ParsePrivateKeyPEM(data)
		ParseCertificatesPEM(data)
	})
}
