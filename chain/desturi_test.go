package chain

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseDestinationURI(t *testing.T) {
	good := "kld://documentstore/m/zzuawz6bbl/e/zzjsqi1m1n/s/zzx11m3wmk/d/a"
	u, err := ParseDestinationURI(good)
	if err != nil {
		t.Fatal(err)
	}
	want := DestinationURI{"kld", "documentstore", "zzuawz6bbl", "zzjsqi1m1n", "zzx11m3wmk", "a"}
	if u != want {
		t.Fatalf("got %+v, want %+v", u, want)
	}
	if u.String() != good {
		t.Fatalf("String() = %q", u.String())
	}
	bad := []string{
		"",
		"kld:/documentstore/m/a/e/b/s/c/d/x",
		"kld://documentstore/m/a/e/b/s/c/d/",
		"kld://documentstore/m/a/e/b/s/c/d/X",
		"kld://documentstore/m/a/e/b/s/c/d/x/y",
		"kld://documentstore/m/a/e/b/s/c/x/x",
		"kld://documentstore/m//e/b/s/c/d/x",
		"kld://documentstore/m/a%20/e/b/s/c/d/x",
		"kld://documentstore/m/../e/b/s/c/d/x",
		"kld://documentstore/m/a/e/b/s/c/d/x?q=1",
		"1ld://documentstore/m/a/e/b/s/c/d/x",
		"kld://app2app/m/a/e/b/s/c/d/" + string(make([]byte, 65)),
	}
	for _, s := range bad {
		if _, err := ParseDestinationURI(s); !errors.Is(err, ErrBadDestinationURI) {
			t.Errorf("ParseDestinationURI(%q) = %v, want ErrBadDestinationURI", s, err)
		}
	}
}

func FuzzParseDestinationURI(f *testing.F) {
	f.Add("kld://documentstore/m/zzuawz6bbl/e/zzjsqi1m1n/s/zzx11m3wmk/d/a")
	f.Add("kld://app2app/m/m1/e/e1/s/s1/d/my-destination")
	f.Add("kld://x/m/a/e/b/s/c/d/")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseDestinationURI(s)
		if err != nil {
			if !errors.Is(err, ErrBadDestinationURI) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if u.String() != s {
			t.Fatalf("round trip: %q became %q", s, u.String())
		}
		again, err := ParseDestinationURI(u.String())
		if err != nil || again != u {
			t.Fatalf("reparse of %q: %+v, %v", s, again, err)
		}
	})
}

func ExampleParseDestinationURI() {
	u, err := ParseDestinationURI("kld://documentstore/m/zzuawz6bbl/e/zzjsqi1m1n/s/zzx11m3wmk/d/a")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Kind, u.Member, u.Environment, u.Service, u.Name)
	// Output: documentstore zzuawz6bbl zzjsqi1m1n zzx11m3wmk a
}

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
		if _, err := parseOneCert([]byte(s)); err != nil && !errors.Is(err, ErrBadCertificate) {
			t.Fatalf("parseOneCert error without sentinel: %v", err)
		}
	})
}
