package storage_test

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/storagetest"
)

var goodKeys = []string{
	"a", "a/b/c.pdf", "reports/2026/q1 final.pdf", "dossier été/ファイル 📄.txt",
	".hidden", "a..b", "...", "100% sure.txt", "a%zz", "a+b=c&d", "C:x", "a:b",
	"%41", // decodes to "A": harmless
	strings.Repeat("x", 255), strings.Repeat("a/", 500) + "b",
}

func TestValidateKey(t *testing.T) {
	for _, k := range goodKeys {
		if err := storage.ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", k, err)
		}
	}
	for _, k := range storagetest.InvalidKeys {
		err := storage.ValidateKey(k)
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func ExampleValidateKey() {
	for _, k := range []string{"reports/q1.pdf", "../etc/passwd", "a/%2e%2e/b"} {
		fmt.Println(k, storage.ValidateKey(k) == nil)
	}
	// Output:
	// reports/q1.pdf true
	// ../etc/passwd false
	// a/%2e%2e/b false
}

// FuzzValidateKey checks that every key ValidateKey accepts is a clean,
// local, slash-separated path, before and after percent-decoding.
func FuzzValidateKey(f *testing.F) {
	for _, k := range append(goodKeys, storagetest.InvalidKeys...) {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if storage.ValidateKey(key) != nil {
			return
		}
		check := func(k string) {
			if path.Clean(k) != k || !filepath.IsLocal(k) || strings.Contains(k, `\`) || strings.ContainsRune(k, 0) {
				t.Fatalf("ValidateKey accepted %q (form %q), which is not a clean local path", key, k)
			}
			for _, seg := range strings.Split(k, "/") {
				if seg == ".." || seg == "." || seg == "" {
					t.Fatalf("ValidateKey accepted %q with segment %q", key, seg)
				}
			}
		}
		check(key)
		if dec, err := url.PathUnescape(key); err == nil {
			check(dec)
		}
	})
}
