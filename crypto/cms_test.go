package crypto

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/consign/consign/internal/testenv"
)

func TestCMSRoundTrip(t *testing.T) {
	a, b := dest(t, RSA2048, "cms-a"), dest(t, RSA2048, "cms-b")
	for _, n := range []int{0, 1, 15, 16, 17, 5000} {
		content := randBytes(n)
		p7, err := EncryptCMS(content, []*x509.Certificate{a.cert, b.cert})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(p7, []byte("-----BEGIN PKCS7-----")) {
			t.Fatalf("not PEM PKCS7: %.30s", p7)
		}
		for _, d := range []testDest{a, b} {
			got, err := DecryptCMS(p7, d.key.(*rsa.PrivateKey), d.cert)
			if err != nil || !bytes.Equal(got, content) {
				t.Fatalf("n=%d: %v", n, err)
			}
		}
		// Two recipients and no certificate: ambiguous.
		if _, err := DecryptCMS(p7, a.key.(*rsa.PrivateKey), nil); !errors.Is(err, ErrNotRecipient) {
			t.Fatalf("no cert: %v", err)
		}
	}
	one, _ := EncryptCMS([]byte("secret"), []*x509.Certificate{a.cert})
	if _, err := DecryptCMS(one, b.key.(*rsa.PrivateKey), nil); !errors.Is(err, ErrTampered) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := EncryptCMS([]byte("x"), []*x509.Certificate{dest(t, P256, "ec").cert}); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("EC recipient: %v", err)
	}
}

// cmsFixture writes an RSA key and certificate made by Consign to dir.
func cmsFixture(t *testing.T, dir string) (d testDest, keyPath, certPath string) {
	d = dest(t, RSA2048, "cms-interop")
	kp, err := MarshalPrivateKeyPEM(d.key)
	if err != nil {
		t.Fatal(err)
	}
	return d, writeFile(t, dir, "key.pem", kp), writeFile(t, dir, "cert.pem", MarshalCertificatePEM(d.cert))
}

func TestCMSOpenSSLDecrypts(t *testing.T) {
	ossl := openssl(t)
	dir := t.TempDir()
	d, keyPath, certPath := cmsFixture(t, dir)
	content := []byte(`{"headers":{"from":"kld://a","to":"kld://b","signature":[1,2,3]},"content":"hello"}`)
	p7, err := EncryptCMS(content, []*x509.Certificate{d.cert})
	if err != nil {
		t.Fatal(err)
	}
	in := writeFile(t, dir, "msg.p7", p7)
	got := run(t, ossl, "cms", "-decrypt", "-inform", "PEM", "-in", in, "-inkey", keyPath, "-recip", certPath)
	if !bytes.Equal(got, content) {
		t.Fatalf("openssl got %q", got)
	}
	// And the other way: openssl encrypts, Consign decrypts.
	src := writeFile(t, dir, "plain", content)
	theirs := run(t, ossl, "cms", "-encrypt", "-aes256", "-outform", "PEM", "-in", src, certPath)
	mine, err := DecryptCMS(theirs, d.key.(*rsa.PrivateKey), d.cert)
	if err != nil || !bytes.Equal(mine, content) {
		t.Fatalf("openssl-made CMS: %v %q", err, mine)
	}
}

func TestCMSNodeForgeDecrypts(t *testing.T) {
	mods := testenv.Get(t, testenv.NodeModules)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not installed")
	}
	dir := t.TempDir()
	d, keyPath, certPath := cmsFixture(t, dir)
	content := randBytes(3000)
	p7, err := EncryptCMS(content, []*x509.Certificate{dest(t, RSA2048, "cms-other").cert, d.cert})
	if err != nil {
		t.Fatal(err)
	}
	in := writeFile(t, dir, "msg.p7", p7)
	script, _ := filepath.Abs("testdata/forge_decrypt.js")
	cmd := exec.Command(node, script, in, keyPath, certPath)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node-forge: %v\n%s", err, stderr.String())
	}
	got, _ := hex.DecodeString(string(out))
	if !bytes.Equal(got, content) {
		t.Fatalf("node-forge decrypted %d bytes, different from the %d sent", len(got), len(content))
	}
}
