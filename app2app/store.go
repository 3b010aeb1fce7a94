package app2app

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consign/consign/internal/metadb"
)

// MasterKeySize is the size of the node key that seals managed
// destination keys at rest.
const MasterKeySize = 32

// LoadOrCreateMasterKey reads the node's master key from path, or creates
// it (32 random bytes, mode 0600, in a 0700 folder) when the file does not
// exist. A file of another size, or readable by group or others, is refused.
func LoadOrCreateMasterKey(path string) ([]byte, error) {
	const op = "app2app: master key"
	b, err := os.ReadFile(path)
	if err == nil {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", op, path, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("%s %s: mode %o lets others read it; chmod 600 it", op, path, fi.Mode().Perm())
		}
		if len(b) != MasterKeySize {
			return nil, fmt.Errorf("%s %s: %d bytes, want %d", op, path, len(b), MasterKeySize)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	b = make([]byte, MasterKeySize)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", op, path, err)
	}
	return b, nil
}

const keySealVersion = 1

// keySealer seals managed destination keys with AES-256-GCM under the
// master key; the destination URI is the associated data.
type keySealer struct{ aead cipher.AEAD }

func newKeySealer(master []byte) (*keySealer, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("app2app: master key of %d bytes, want %d", len(master), MasterKeySize)
	}
	b, err := aes.NewCipher(master)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &keySealer{aead: g}, nil
}

func sealAAD(uri string) []byte { return []byte("consign app2app destination key\x00" + uri) }

func (k *keySealer) seal(uri string, keyPEM []byte) ([]byte, error) {
	out := make([]byte, 1+k.aead.NonceSize(), 1+k.aead.NonceSize()+len(keyPEM)+k.aead.Overhead())
	out[0] = keySealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return k.aead.Seal(out, out[1:], keyPEM, sealAAD(uri)), nil
}

func (k *keySealer) open(uri string, sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() || sealed[0] != keySealVersion {
		return nil, errors.New("sealed key is malformed")
	}
	pt, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], sealAAD(uri))
	if err != nil {
		return nil, errors.New("sealed key does not open: wrong master key, or the row was altered")
	}
	return pt, nil
}

var migrations = []metadb.Migration{
	{Description: "app2app destinations", SQL: `CREATE TABLE app2app_destinations (
		member      TEXT NOT NULL,
		name        TEXT NOT NULL,
		uri         TEXT NOT NULL UNIQUE,
		kind        TEXT NOT NULL,
		managed     INTEGER NOT NULL,
		required_cn TEXT NOT NULL DEFAULT '',
		certificate TEXT NOT NULL DEFAULT '',
		sealed_key  BLOB,
		created     TEXT NOT NULL,
		PRIMARY KEY (member, name))`},
}

// row is one stored destination.
type row struct {
	Member, Name, URI, Kind string
	Managed                 bool
	RequiredCN, CertPEM     string
	SealedKey               []byte
	Created                 time.Time
}

type store struct{ db *sql.DB }

func (s store) migrate(ctx context.Context) error {
	return metadb.Migrate(ctx, s.db, "app2app", migrations)
}

// insert adds r; a taken (member, name) or URI wraps ErrNameTaken.
func (s store) insert(ctx context.Context, r row) error {
	var key any
	if r.SealedKey != nil {
		key = r.SealedKey
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO app2app_destinations
		(member, name, uri, kind, managed, required_cn, certificate, sealed_key, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Member, r.Name, r.URI, r.Kind, r.Managed, r.RequiredCN, r.CertPEM, key, r.Created.UTC().Format(time.RFC3339Nano))
	if err != nil && strings.Contains(strings.ToLower(err.Error()), "unique") {
		return fmt.Errorf("%w: %v", ErrNameTaken, err)
	}
	return err
}

func (s store) setCertificate(ctx context.Context, member, name, certPEM string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE app2app_destinations SET certificate = ? WHERE member = ? AND name = ?`, certPEM, member, name)
	return err
}

func (s store) delete(ctx context.Context, member, name string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM app2app_destinations WHERE member = ? AND name = ?`, member, name)
	return err
}

func (s store) all(ctx context.Context) ([]row, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT member, name, uri, kind, managed, required_cn, certificate, sealed_key, created
		FROM app2app_destinations ORDER BY member, name`)
	return metadb.Collect(rows, err, func(rows *sql.Rows) (row, error) {
		var r row
		var created string
		if err := rows.Scan(&r.Member, &r.Name, &r.URI, &r.Kind, &r.Managed, &r.RequiredCN, &r.CertPEM, &r.SealedKey, &created); err != nil {
			return row{}, err
		}
		r.Created, _ = time.Parse(time.RFC3339Nano, created)
		return r, nil
	})
}
