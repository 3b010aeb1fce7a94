package crypto

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSessionRoundTrip(t *testing.T) {
	for _, pair := range [][2]KeyAlgorithm{{RSA2048, RSA2048}, {P256, P256}, {Ed25519, Ed25519}, {P256, RSA2048}} {
		t.Run(fmt.Sprint(pair), func(t *testing.T) {
			snd, rcv := dest(t, pair[0], "s-sender"), dest(t, pair[1], "s-rcpt")
			clock := time.Now()
			cfg := SessionConfig{MaxMessages: 5, MaxAge: time.Minute, Now: func() time.Time { return clock }}
			s, err := NewSessionSender(snd.key, rcv.cert, cfg)
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewSessionReceiver(rcv.key, snd.cert, cfg)
			if err != nil {
				t.Fatal(err)
			}
			newEpochs, confirmed := 0, 0
			var frames [][]byte
			for i := range 23 {
				if i == 12 {
					clock = clock.Add(2 * time.Minute) // age-based rotation
				}
				msg := fmt.Appendf(nil, "message %d", i)
				f, err := s.Seal(msg)
				if err != nil {
					t.Fatal(err)
				}
				frames = append(frames, f)
				got, info, err := r.Open(f)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !bytes.Equal(got, msg) {
					t.Fatalf("message %d differs", i)
				}
				if info.NewEpoch {
					newEpochs++
				}
				if info.PreviousConfirmed {
					confirmed++
				}
			}
			// 23 messages, 5 per epoch, plus one early rotation at message 12.
			if s.Epochs() != newEpochs || newEpochs < 5 {
				t.Fatalf("sender paid %d epochs, receiver saw %d", s.Epochs(), newEpochs)
			}
			if confirmed != newEpochs-1 {
				t.Fatalf("%d of %d earlier epochs confirmed", confirmed, newEpochs-1)
			}
			// Duplicate delivery is reported as a replay.
			if _, _, err := r.Open(frames[22]); !errors.Is(err, ErrReplay) {
				t.Fatalf("replay: %v", err)
			}
			// A fresh receiver (restart, other node) can join mid-epoch.
			r2, _ := NewSessionReceiver(rcv.key, snd.cert, cfg)
			if _, _, err := r2.Open(frames[21]); err != nil {
				t.Fatalf("join mid-epoch: %v", err)
			}
		})
	}
}

func TestSessionAdversarial(t *testing.T) {
	snd, rcv, other := dest(t, P256, "s-sender"), dest(t, P256, "s-rcpt"), dest(t, P256, "s-other")
	s, _ := NewSessionSender(snd.key, rcv.cert, SessionConfig{})
	f0, _ := s.Seal([]byte("zero"))
	f1, _ := s.Seal([]byte("one"))

	fresh := func() *SessionReceiver {
		r, err := NewSessionReceiver(rcv.key, snd.cert, SessionConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Every single-bit flip is refused.
	for i := range f1 {
		bad := bytes.Clone(f1)
		bad[i] ^= 1
		if _, _, err := fresh().Open(bad); err == nil {
			t.Fatalf("bit flip at %d accepted", i)
		}
	}
	// Reordering within an epoch: the later message first, then the earlier one is a replay.
	r := fresh()
	if _, _, err := r.Open(f1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Open(f0); !errors.Is(err, ErrReplay) {
		t.Fatalf("older message after newer: %v", err)
	}
	// Wrong expected sender.
	ro, _ := NewSessionReceiver(rcv.key, other.cert, SessionConfig{})
	if _, _, err := ro.Open(f0); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("wrong sender: %v", err)
	}
	// Wrong recipient key.
	rw, _ := NewSessionReceiver(other.key, snd.cert, SessionConfig{})
	if _, _, err := rw.Open(f0); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("wrong recipient: %v", err)
	}
	// Expired sender certificate.
	late := SessionConfig{Now: func() time.Time { return time.Now().Add(2 * DefaultValidity) }}
	rl, _ := NewSessionReceiver(rcv.key, snd.cert, late)
	if _, _, err := rl.Open(f0); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired sender: %v", err)
	}
	// Splicing: f1's ciphertext under f0's sequence number.
	bl := int(f0[0])<<8 | int(f0[1])
	spliced := append(bytes.Clone(f1[:2+bl]), f0[2+bl:2+bl+8]...)
	spliced = append(spliced, f1[2+bl+8:]...)
	if _, _, err := fresh().Open(spliced); !errors.Is(err, ErrTampered) {
		t.Fatalf("spliced: %v", err)
	}
	for _, short := range [][]byte{nil, {0}, {0, 5, 1}, f0[:40]} {
		if _, _, err := fresh().Open(short); !errors.Is(err, ErrMalformed) {
			t.Fatalf("short frame %d: %v", len(short), err)
		}
	}
}

// TestECDHKeyIdentity opens with an *ecdh.PrivateKey, the ECDHKey shape an HSM would take.
func TestECDHKeyIdentity(t *testing.T) {
	rcv := dest(t, P256, "ecdh-rcpt")
	ek, err := rcv.key.(interface {
		ECDH() (*ecdh.PrivateKey, error)
	}).ECDH()
	if err != nil {
		t.Fatal(err)
	}
	env := sealBytes(t, []byte("hsm"), nil2(rcv), SealOptions{})
	if _, _, err := openBytes(env, ek, OpenOptions{}); err != nil {
		// ECDH keys are named by their own SPKI, which for P-256 equals the ECDSA one.
		t.Fatal(err)
	}
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	if _, _, err := openBytes(env, x, OpenOptions{}); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("x25519 outsider: %v", err)
	}
}

func nil2(d testDest) []*x509.Certificate { return []*x509.Certificate{d.cert} }

// TestX25519Certificate seals to a CA-issued certificate carrying an
// X25519 key (such a key cannot self-sign; openssl issues it with
// -force_pubkey) and opens with the ecdh key.
func TestX25519Certificate(t *testing.T) {
	ossl := openssl(t)
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	run(t, ossl, "genpkey", "-algorithm", "X25519", "-out", p("x.key"))
	run(t, ossl, "pkey", "-in", p("x.key"), "-pubout", "-out", p("x.pub"))
	run(t, ossl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
		"-subj", "/CN=x-ca", "-keyout", p("ca.key"), "-out", p("ca.crt"))
	run(t, ossl, "req", "-new", "-key", p("ca.key"), "-subj", "/CN=x25519-dest", "-out", p("x.csr"))
	run(t, ossl, "x509", "-req", "-in", p("x.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-force_pubkey", p("x.pub"),
		"-days", "2", "-out", p("x.crt"))
	certPEM, _ := os.ReadFile(p("x.crt"))
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := os.ReadFile(p("x.key"))
	k, err := ParseOpeningKeyPEM(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	env := sealBytes(t, []byte("to x25519"), []*x509.Certificate{cert}, SealOptions{})
	if got, _, err := openBytes(env, k, OpenOptions{}); err != nil || string(got) != "to x25519" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestSessionTranscriptForThirdParty(t *testing.T) {
	snd, rcv := dest(t, RSA2048, "t-sender"), dest(t, P256, "t-rcpt")
	s, _ := NewSessionSender(snd.key, rcv.cert, SessionConfig{MaxMessages: 3})
	r, _ := NewSessionReceiver(rcv.key, snd.cert, SessionConfig{})
	var kept []TranscriptMessage
	var first [16]byte
	var later []byte
	for i := range 4 {
		f, err := s.Seal(fmt.Appendf(nil, "order %d", i))
		if err != nil {
			t.Fatal(err)
		}
		msg, info, err := r.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = info.Epoch
		}
		if info.Epoch == first {
			kept = append(kept, TranscriptMessage{Seq: info.Seq, Body: msg})
		} else {
			later = f
		}
	}
	if err := VerifySessionTranscript(snd.cert, later, first, kept, time.Now()); err != nil {
		t.Fatal(err)
	}
	forged := append([]TranscriptMessage(nil), kept...)
	forged[1] = TranscriptMessage{Seq: 1, Body: []byte("order 1000")}
	if err := VerifySessionTranscript(snd.cert, later, first, forged, time.Now()); !errors.Is(err, ErrTampered) {
		t.Fatalf("altered message: %v", err)
	}
	if err := VerifySessionTranscript(snd.cert, later, first, kept[:2], time.Now()); !errors.Is(err, ErrTampered) {
		t.Fatalf("dropped message: %v", err)
	}
	if err := VerifySessionTranscript(rcv.cert, later, first, kept, time.Now()); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("wrong sender: %v", err)
	}
}
