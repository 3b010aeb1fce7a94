package main

// Client commands of the crypto package: keygen, seal, open, idproof.
// Files come from arguments or stdin/stdout; any failure is one line on
// stderr and a non-zero exit.

import (
	"context"
	stdcrypto "crypto"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	ccrypto "github.com/consign/consign/crypto"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func readKeyFile(path string) (stdcrypto.Signer, error) {
	return ccrypto.ReadPEMFile(path, ccrypto.ParsePrivateKeyPEM)
}

func readCertFile(path string) (*x509.Certificate, error) {
	return ccrypto.ReadPEMFile(path, ccrypto.ParseCertificatePEM)
}

// inOut opens the optional positional IN and OUT arguments ("-" or absent
// means stdin/stdout). OUT is written to a temporary file beside it and
// renamed into place by commit, so a failed run leaves no partial output.
func inOut(env *cliEnv, args []string) (in io.Reader, out io.Writer, commit func() error, cleanup func(), err error) {
	if len(args) > 2 {
		return nil, nil, nil, nil, fmt.Errorf("too many arguments: %q (want [IN [OUT]])", args)
	}
	in, out = env.stdin, env.stdout
	var closers []func()
	cleanup = func() {
		for _, c := range closers {
			c()
		}
	}
	commit = func() error { return nil }
	if len(args) >= 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return nil, nil, nil, nil, err
		}
		closers = append(closers, func() { f.Close() })
		in = f
	}
	if len(args) == 2 && args[1] != "-" {
		dst := args[1]
		tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
		if err != nil {
			cleanup()
			return nil, nil, nil, nil, err
		}
		done := false
		closers = append(closers, func() {
			if !done {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		})
		out = tmp
		commit = func() error {
			if err := tmp.Close(); err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), dst); err != nil {
				return err
			}
			done = true
			return nil
		}
		return in, out, commit, cleanup, nil
	}
	// Seal writes whole chunks and open copies in 1 MiB pieces: no
	// buffering needed on stdout.
	return in, out, commit, cleanup, nil
}

func cmdKeygen(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "keygen", "keygen --cn CN [--alg rsa2048|rsa3072|p256|ed25519] [--key-out FILE] [--cert-out FILE] [--csr]")
	cn := fs.String("cn", "", "subject common name (for an externally managed destination: the required_cn)")
	alg := fs.String("alg", "rsa2048", "key type: rsa2048, rsa3072, p256 or ed25519")
	keyOut := fs.String("key-out", "", "write the private key (PKCS#8 PEM) here; default stdout")
	certOut := fs.String("cert-out", "", "write the certificate (or CSR) here; default stdout")
	days := fs.Int("days", 365, "validity of the self-signed certificate in days")
	csr := fs.Bool("csr", false, "write a certificate signing request for a CA instead of a self-signed certificate")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *cn == "" {
		return errors.New("--cn is required")
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	key, err := ccrypto.GenerateKey(ccrypto.KeyAlgorithm(*alg))
	if err != nil {
		return err
	}
	keyPEM, err := ccrypto.MarshalPrivateKeyPEM(key)
	if err != nil {
		return err
	}
	var second []byte
	if *csr {
		second, err = ccrypto.NewCSR(key, *cn)
	} else {
		now := time.Now()
		var cert *x509.Certificate
		cert, err = ccrypto.SelfSign(key, *cn, now.Add(-time.Minute), now.Add(time.Duration(*days)*24*time.Hour))
		if err == nil {
			second = ccrypto.MarshalCertificatePEM(cert)
		}
	}
	if err != nil {
		return err
	}
	write := func(path string, data []byte, mode os.FileMode) error {
		if path == "" || path == "-" {
			_, err := env.stdout.Write(data)
			return err
		}
		return os.WriteFile(path, data, mode)
	}
	if err := write(*keyOut, keyPEM, 0o600); err != nil {
		return err
	}
	return write(*certOut, second, 0o644)
}

func cmdSeal(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "seal", "seal --to CERT [--to CERT...] [--sign KEY --cert CERT] [--compress auto|never|always] [IN [OUT]]")
	var to multiFlag
	fs.Var(&to, "to", "recipient certificate (PEM); repeat for several recipients")
	signKey := fs.String("sign", "", "sign with this private key (PEM)")
	signCert := fs.String("cert", "", "certificate of the --sign key; checked to match and be valid")
	compress := fs.String("compress", "auto", "zstd compression: auto (skipped when it does not pay), never or always")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if len(to) == 0 {
		return errors.New("at least one --to CERT is required")
	}
	var opts ccrypto.SealOptions
	switch *compress {
	case "auto":
	case "never":
		opts.Compression = ccrypto.CompressNever
	case "always":
		opts.Compression = ccrypto.CompressAlways
	default:
		return fmt.Errorf("--compress %q: want auto, never or always", *compress)
	}
	var recipients []*x509.Certificate
	for _, p := range to {
		c, err := readCertFile(p)
		if err != nil {
			return err
		}
		recipients = append(recipients, c)
	}
	if (*signKey == "") != (*signCert == "") {
		return errors.New("--sign and --cert go together")
	}
	if *signKey != "" {
		key, err := readKeyFile(*signKey)
		if err != nil {
			return err
		}
		cert, err := readCertFile(*signCert)
		if err != nil {
			return err
		}
		a, _ := ccrypto.PublicKeyID(key.Public())
		b, _ := ccrypto.PublicKeyID(cert.PublicKey)
		if a != b {
			return fmt.Errorf("--sign key does not belong to --cert %q", cert.Subject.CommonName)
		}
		if now := time.Now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			return fmt.Errorf("--cert %q: %w", cert.Subject.CommonName, ccrypto.ErrExpired)
		}
		opts.Signer = key
	}
	in, out, commit, cleanup, err := inOut(env, fs.Args())
	if err != nil {
		return err
	}
	defer cleanup()
	w, err := ccrypto.Seal(ctx, out, recipients, opts)
	if err != nil {
		return err
	}
	if _, err := io.CopyBuffer(w, in, make([]byte, 1<<20)); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return commit()
}

func cmdOpen(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "open", "open --key KEY [--from CERT...] [IN [OUT]]")
	keyPath := fs.String("key", "", "recipient private key (PEM)")
	var from multiFlag
	fs.Var(&from, "from", "expected sender certificate; the envelope must be signed by it (repeatable)")
	printHash := fs.Bool("print-sha256", false, "print the plaintext SHA-256 on stderr when done")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *keyPath == "" {
		return errors.New("--key is required")
	}
	key, err := ccrypto.ReadPEMFile(*keyPath, ccrypto.ParseOpeningKeyPEM)
	if err != nil {
		return err
	}
	var opts ccrypto.OpenOptions
	for _, p := range from {
		c, err := readCertFile(p)
		if err != nil {
			return err
		}
		opts.Senders = append(opts.Senders, c)
	}
	in, out, commit, cleanup, err := inOut(env, fs.Args())
	if err != nil {
		return err
	}
	defer cleanup()
	r, err := ccrypto.Open(ctx, in, key, opts)
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := io.CopyBuffer(out, r, make([]byte, 1<<20)); err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	if id, signed := r.SignerKeyID(); signed && len(opts.Senders) == 0 {
		fmt.Fprintf(env.stderr, "consign open: warning: signed by key %x but not verified (pass --from CERT)\n", id[:8])
	}
	if *printHash {
		fmt.Fprintf(env.stderr, "sha256 %s\n", hex.EncodeToString(r.SHA256()))
	}
	return nil
}

func cmdIDProof(_ context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(env.stderr, "Usage: consign idproof verify --chain PEM --env ID --nonce N [--roots PEM]")
			return flag.ErrHelp
		}
		return errors.New("usage: consign idproof verify --chain PEM --env ID --nonce N [--roots PEM]")
	}
	fs := newFlags(env, "idproof verify", "idproof verify --chain PEM --env ID --nonce N [--roots PEM]")
	chain := fs.String("chain", "", "identity-proof chain, leaf first (PEM file, or - for stdin)")
	envID := fs.String("env", "", "expected environment id")
	nonce := fs.String("nonce", "", "nonce issued for this proof")
	roots := fs.String("roots", "", "trusted root certificates (PEM); without it a self-contained chain is accepted and reported")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *chain == "" || *envID == "" || *nonce == "" {
		return errors.New("--chain, --env and --nonce are required")
	}
	var data []byte
	var err error
	if *chain == "-" {
		data, err = io.ReadAll(io.LimitReader(env.stdin, 1<<20))
	} else {
		data, err = os.ReadFile(*chain)
	}
	if err != nil {
		return err
	}
	pol := ccrypto.IdentityPolicy{EnvironmentID: *envID, Nonce: *nonce}
	if *roots != "" {
		rb, err := os.ReadFile(*roots)
		if err != nil {
			return err
		}
		certs, err := ccrypto.ParseCertificatesPEM(rb)
		if err != nil {
			return fmt.Errorf("--roots: %w", err)
		}
		pol.Roots = x509.NewCertPool()
		for _, c := range certs {
			pol.Roots.AddCert(c)
		}
	}
	p, err := ccrypto.VerifyIdentityProof(data, pol)
	if err != nil {
		return err
	}
	w := env.stdout
	fmt.Fprintf(w, "valid identity proof\n")
	fmt.Fprintf(w, "environment:  %s\nnonce:        %s\norganization: %s (claimed)\nleaf:         %s\n", p.EnvironmentID, p.Nonce, p.Organization, p.LeafSubject)
	switch {
	case p.SelfSigned:
		fmt.Fprintf(w, "issuer:       self-signed (no CA vouches for the organization)\n")
	default:
		for i, s := range p.IssuerChain {
			fmt.Fprintf(w, "issuer %d:     %s\n", i+1, s)
		}
		if !p.IssuerNamesOrganization {
			fmt.Fprintf(w, "WARNING:      no issuer names %q: a CA of another organization vouches for this leaf\n", p.Organization)
		}
	}
	return nil
}
