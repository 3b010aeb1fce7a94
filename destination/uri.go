package destination

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/consign/consign/internal/textutil"
)

// URI is a parsed destination address:
//
//	<scheme>://<kind>/m/<member>/e/<environment>/s/<service>/d/<name>
//
// e.g. kld://documentstore/m/zzuawz6bbl/e/zzjsqi1m1n/s/zzx11m3wmk/d/a.
// Clients treat the string as opaque; only Consign looks inside.
//
// The zero URI is no destination (IsZero). Outside this package a URI is
// made only by Parse (at the edge: HTTP, socket.io, config, records read
// from the transport or the database) or as a literal of its parts.
type URI struct {
	Scheme      string // e.g. "kld"
	Kind        string // service kind: "documentstore", "app2app", ...
	Member      string // registry member name
	Environment string // environment id
	Service     string // service id
	Name        string // destination name, 1–64 of a-z 0-9 - _ .
}

// String formats the URI in its canonical form. For any u returned by
// Parse(s), u.String() == s. The zero URI formats as "".
func (u URI) String() string {
	if u.IsZero() {
		return ""
	}
	return u.Scheme + "://" + u.Kind + "/m/" + u.Member + "/e/" + u.Environment + "/s/" + u.Service + "/d/" + u.Name
}

// IsZero reports whether u is the zero URI (no destination).
func (u URI) IsZero() bool { return u == URI{} }

// Parse parses and validates a destination URI. Anything else (extra
// segments, empty or over-long parts, characters outside the allowed
// sets, percent escapes, queries, fragments) returns an error for which
// errors.Is(err, ErrBadURI).
func Parse(s string) (URI, error) {
	fail := func(why string) (URI, error) {
		return URI{}, fmt.Errorf("destination: parse URI %q: %s: %w", Clip(s), why, ErrBadURI)
	}
	if len(s) > 512 {
		return fail("longer than 512 bytes")
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return fail(`missing "://"`)
	}
	if !validScheme(scheme) {
		return fail("scheme must be a letter followed by letters, digits, '+', '-' or '.'")
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 9 {
		return fail("want <kind>/m/<member>/e/<environment>/s/<service>/d/<name>")
	}
	for i, label := range []string{"m", "e", "s", "d"} {
		if parts[1+2*i] != label {
			return fail(fmt.Sprintf("segment %d must be %q", 2+2*i, label))
		}
	}
	u := URI{Scheme: scheme, Kind: parts[0], Member: parts[2], Environment: parts[4], Service: parts[6], Name: parts[8]}
	for _, f := range []struct{ what, v string }{
		{"service kind", u.Kind}, {"member", u.Member}, {"environment", u.Environment}, {"service", u.Service},
	} {
		if !ValidID(f.v) {
			return fail(f.what + " must be 1–64 of A-Z a-z 0-9 - _ .")
		}
	}
	if !ValidName(u.Name) {
		return fail("name must be 1–64 of a-z 0-9 - _ .")
	}
	return u, nil
}

// ValidName reports whether name is 1–64 of a-z 0-9 - _ .
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ValidID reports whether v can be a member, environment, service or
// kind segment of a URI: 1–64 of A-Z a-z 0-9 - _ . and not "." or "..".
func ValidID(v string) bool {
	if len(v) == 0 || len(v) > 64 || v == "." || v == ".." {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func validScheme(v string) bool {
	if len(v) == 0 || len(v) > 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !letter {
			return false
		}
		if !(letter || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Clip shortens an untrusted string for an error message: at most 200
// bytes, cut at a rune boundary, with "…" when cut.
func Clip(s string) string { return textutil.Clip(s, 200) }

// Validate reports whether u is a well-formed URI, one Parse would
// return: nil for any URI from Parse, an error wrapping ErrBadURI for the
// zero URI or one made of parts that break the rules. Operations that
// write a URI somewhere (the registry, a record) check literals with it.
func (u URI) Validate() error {
	_, err := Parse(u.String()) // a part holding a '/' changes the segment count
	return err
}

// MarshalText encodes u as its String (the zero URI as ""), so a URI
// field encodes in JSON exactly as the string it replaces.
func (u URI) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText parses text with Parse; "" gives the zero URI.
func (u *URI) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*u = URI{}
		return nil
	}
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*u = p
	return nil
}

// Value implements driver.Valuer: a URI is stored as its String, so a
// URI column holds exactly the text a string field did.
func (u URI) Value() (driver.Value, error) { return u.String(), nil }

// Scan implements sql.Scanner: the column's text is parsed with Parse
// ("" and NULL give the zero URI). Reading a row is an edge: a row
// holding what is not a URI gives an error wrapping ErrBadURI.
func (u *URI) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*u = URI{}
		return nil
	case string:
		return u.UnmarshalText([]byte(v))
	case []byte:
		return u.UnmarshalText(v)
	}
	return fmt.Errorf("destination: scan a %T into a URI: %w", src, ErrBadURI)
}

// MustParse is Parse for strings known to be URIs (tests, examples); it
// panics on an error. Code handling input uses Parse.
func MustParse(s string) URI {
	u, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
