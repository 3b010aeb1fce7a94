package chain

import (
	"errors"
	"testing"

	"github.com/consign/consign/destination"
)

// FuzzDescribeIdentity feeds arbitrary bytes as the identity proof PEM a
// registry entry holds (chain data is untrusted) and the certificate
// parser used for destination certificates.
func FuzzDescribeIdentity(f *testing.F) {
	f.Add("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	f.Add("not pem")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id := describeIdentity(s, true, [32]byte{})
		if id.ChainPEM != s || !id.SelfSigned {
			t.Fatal("describeIdentity lost its inputs")
		}
		if _, err := parseOneCert([]byte(s)); err != nil && !errors.Is(err, destination.ErrBadCertificate) {
			t.Fatalf("parseOneCert error without sentinel: %v", err)
		}
	})
}
