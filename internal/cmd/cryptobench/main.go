// Command cryptobench measures the crypto package for scripts/bench/crypto.sh:
//
//	cryptobench msgs -alg rsa2048|p256 -mode naive|amortized [-dur 3s]
//	    seal+open round trips of 1 KiB messages per second, one sender
//	    destination to one recipient destination: "naive" seals each
//	    message as a signed envelope and opens it verifying the sender;
//	    "amortized" uses a SessionSender/SessionReceiver pair.
//	cryptobench seal|open ... same flags as `consign seal|open`, in a
//	    small binary, to measure the envelope's own memory footprint.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	ccrypto "github.com/consign/consign/crypto"
	"github.com/consign/consign/internal/cmd/benchkit"
)

func main() {
	benchkit.Exit("cryptobench", run(os.Args[1:]))
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: cryptobench msgs|seal|open [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	alg := fs.String("alg", "p256", "destination key type")
	mode := fs.String("mode", "amortized", "naive or amortized")
	dur := fs.Duration("dur", 3*time.Second, "how long to run")
	size := fs.Int("size", 1024, "message size")
	to := fs.String("to", "", "recipient certificate (seal)")
	key := fs.String("key", "", "recipient key (open)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "msgs":
		n, err := msgs(ccrypto.KeyAlgorithm(*alg), *mode, *size, *dur)
		if err != nil {
			return err
		}
		fmt.Printf("%.0f\n", n)
		return nil
	case "seal":
		c, err := ccrypto.ReadPEMFile(*to, ccrypto.ParseCertificatePEM)
		if err != nil {
			return err
		}
		w, err := ccrypto.Seal(context.Background(), os.Stdout, []*x509.Certificate{c}, ccrypto.SealOptions{})
		if err != nil {
			return err
		}
		if _, err := io.CopyBuffer(w, os.Stdin, make([]byte, 1<<20)); err != nil {
			return err
		}
		return w.Close()
	case "open":
		k, err := ccrypto.ReadPEMFile(*key, ccrypto.ParsePrivateKeyPEM)
		if err != nil {
			return err
		}
		r, err := ccrypto.Open(context.Background(), os.Stdin, k, ccrypto.OpenOptions{})
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.CopyBuffer(os.Stdout, r, make([]byte, 1<<20))
		return err
	}
	return fmt.Errorf("unknown mode %q", args[0])
}

// msgs returns seal+open round trips per second.
func msgs(alg ccrypto.KeyAlgorithm, mode string, size int, dur time.Duration) (float64, error) {
	sk, sc, err := ccrypto.GenerateDestination("sender", alg)
	if err != nil {
		return 0, err
	}
	rk, rc, err := ccrypto.GenerateDestination("recipient", alg)
	if err != nil {
		return 0, err
	}
	msg := make([]byte, size)
	rand.Read(msg)
	var once func() error
	switch mode {
	case "naive":
		var buf bytes.Buffer
		out := make([]byte, size)
		once = func() error {
			buf.Reset()
			w, err := ccrypto.Seal(context.Background(), &buf, []*x509.Certificate{rc}, ccrypto.SealOptions{Signer: sk, Compression: ccrypto.CompressNever})
			if err != nil {
				return err
			}
			w.Write(msg)
			if err := w.Close(); err != nil {
				return err
			}
			r, err := ccrypto.Open(context.Background(), &buf, rk, ccrypto.OpenOptions{Senders: []*x509.Certificate{sc}})
			if err != nil {
				return err
			}
			defer r.Close()
			if _, err := io.ReadFull(r, out); err != nil {
				return err
			}
			if _, err := r.Read(out[:1]); err != io.EOF {
				return fmt.Errorf("open: %v", err)
			}
			return nil
		}
	case "amortized":
		s, err := ccrypto.NewSessionSender(sk, rc, ccrypto.SessionConfig{})
		if err != nil {
			return 0, err
		}
		r, err := ccrypto.NewSessionReceiver(rk, sc, ccrypto.SessionConfig{})
		if err != nil {
			return 0, err
		}
		once = func() error {
			f, err := s.Seal(msg)
			if err != nil {
				return err
			}
			_, _, err = r.Open(f)
			return err
		}
	default:
		return 0, fmt.Errorf("mode %q", mode)
	}
	start := time.Now()
	n := 0
	for time.Since(start) < dur {
		if err := once(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
