package crypto_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"time"

	ccrypto "github.com/consign/consign/crypto"
)

func ExampleTransferHash() {
	th := ccrypto.TransferHash("kld://documentstore/m/a/e/e1/s/s1/d/out", "kld://documentstore/m/b/e/e1/s/s2/d/in",
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "2026-06-01T12:00:00.000Z")
	fmt.Println(len(th), th[:16])
	// Output: 64 4536e4eb0a1f7a4d
}

func ExampleSeal() {
	senderKey, senderCert, _ := ccrypto.GenerateDestination("sender", ccrypto.P256)
	rcptKey, rcptCert, _ := ccrypto.GenerateDestination("recipient", ccrypto.P256)

	var env bytes.Buffer
	w, _ := ccrypto.Seal(context.Background(), &env, []*x509.Certificate{rcptCert}, ccrypto.SealOptions{Signer: senderKey})
	io.WriteString(w, "quarterly report")
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	r, err := ccrypto.Open(context.Background(), &env, rcptKey, ccrypto.OpenOptions{Senders: []*x509.Certificate{senderCert}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	plain, err := io.ReadAll(r) // io.EOF only after the signature verified
	fmt.Println(string(plain), err, r.Signer().Subject.CommonName)
	// Output: quarterly report <nil> sender
}

func ExampleSessionSender() {
	sk, sc, _ := ccrypto.GenerateDestination("app-a", ccrypto.P256)
	rk, rc, _ := ccrypto.GenerateDestination("app-b", ccrypto.P256)
	s, _ := ccrypto.NewSessionSender(sk, rc, ccrypto.SessionConfig{MaxMessages: 1000, MaxAge: time.Hour})
	r, _ := ccrypto.NewSessionReceiver(rk, sc, ccrypto.SessionConfig{})
	for _, m := range []string{"one", "two", "three"} {
		frame, _ := s.Seal([]byte(m))
		msg, info, err := r.Open(frame)
		fmt.Println(string(msg), info.Seq, info.NewEpoch, err)
	}
	fmt.Println("signatures paid:", s.Epochs())
	// Output:
	// one 0 true <nil>
	// two 1 false <nil>
	// three 2 false <nil>
	// signatures paid: 1
}
