package docstore

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/consign/consign/internal/textutil"
	"github.com/consign/consign/storage"
)

// Path is a validated location in a member's document space: the root
// folder (the zero Path) or a slash-separated relative path such as
// "images/logo.png". A Path never holds a ".." or "." segment, an empty
// segment, a backslash, a control character or anything that decodes to
// one of these; ParsePath is the only way to make one from outside the
// package.
type Path struct{ rel string }

// MaxPathLen bounds a path's length in bytes. Together with the member
// prefix it stays within storage.MaxKeyLen.
const MaxPathLen = storage.MaxKeyLen - maxMemberLen - 1

// ParsePath checks a path sent by a client and returns it. One leading
// and one trailing slash are accepted and dropped ("/a/b/" is "a/b"); ""
// and "/" are the root folder. The path is normalised to Unicode NFC, so
// the composed and decomposed spellings of a name ("é" as U+00E9 or as
// "e" + U+0301) are one document. Everything storage.ValidateKey refuses
// is refused with an error wrapping ErrInvalidPath that says why: ".."
// and "." segments (also percent-encoded), empty segments ("a//b"),
// backslashes, control characters, invalid UTF-8, over-long names; and
// so are bidirectional controls and zero-width characters (see
// hiddenRune), which make one name look like another.
//
// ParsePath serves folders and documents alike; ParseDocumentPath is the
// gate for a path that must name a document.
func ParsePath(s string) (Path, error) {
	rel := strings.TrimPrefix(s, "/")
	rel = strings.TrimSuffix(rel, "/")
	if rel == "" {
		if len(s) > 1 { // "//" and the like
			return Path{}, fmt.Errorf("%w: %q: empty segment", ErrInvalidPath, s)
		}
		return Path{}, nil
	}
	rel = norm.NFC.String(rel)
	if len(rel) > MaxPathLen {
		return Path{}, fmt.Errorf("%w: %q: longer than %d bytes", ErrInvalidPath, truncate(s), MaxPathLen)
	}
	if i, r, ok := findHidden(rel); ok {
		return Path{}, fmt.Errorf("%w: %q: invisible character %U at byte %d (bidirectional controls and zero-width characters are not allowed in names; remove it)",
			ErrInvalidPath, truncate(s), r, i)
	}
	if err := storage.ValidateKey(rel); err != nil {
		// ValidateKey's message already quotes the key and says why.
		msg := strings.TrimPrefix(err.Error(), storage.ErrInvalidKey.Error()+": ")
		return Path{}, fmt.Errorf("%w: %s (use a plain path such as /folder/name.pdf)", ErrInvalidPath, msg)
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == FolderMarker {
			return Path{}, fmt.Errorf("%w: %q: the name %s is reserved (it keeps an empty folder in storage); choose another name",
				ErrInvalidPath, truncate(s), FolderMarker)
		}
	}
	return Path{rel: rel}, nil
}

// FolderMarker is the name of the empty object that keeps a folder made
// by Space.MakeFolder in existence while nothing else is in it.
// ParsePath refuses it as a segment, so no document or folder can take
// the name, and listings leave it out.
const FolderMarker = ".consign-folder"

// ParseDocumentPath is ParsePath for a path that must name a document:
// the root and a path ending in a slash, which name folders, are refused
// with ErrInvalidPath (so that "DELETE /documents/a/b/" never deletes
// the document "a/b").
func ParseDocumentPath(s string) (Path, error) {
	p, err := ParsePath(s)
	if err != nil {
		return Path{}, err
	}
	if p.IsRoot() {
		return Path{}, fmt.Errorf("%w: %q names the root folder, not a document", ErrInvalidPath, s)
	}
	if strings.HasSuffix(s, "/") {
		return Path{}, fmt.Errorf("%w: %q ends in a slash, which names a folder; name the document without it (%s)",
			ErrInvalidPath, truncate(s), p.Abs())
	}
	return p, nil
}

// hiddenRune reports the characters refused in names because they
// change how a name is displayed without being seen: the bidirectional
// controls (ALM, LRM, RLM, the embeddings, overrides and isolates) and
// the zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, invisible
// operators, the byte order mark, the Mongolian vowel separator).
func hiddenRune(r rune) bool {
	switch {
	case r == 0x061C, r == 0x180E, r == 0xFEFF:
		return true
	case r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x2069:
		return true
	}
	return false
}

// findHidden returns the first hidden rune of s and its byte offset.
func findHidden(s string) (int, rune, bool) {
	for i, r := range s {
		if hiddenRune(r) {
			return i, r, true
		}
	}
	return 0, 0, false
}

// truncate clips an untrusted string for an error message (64 bytes, at
// a rune boundary).
func truncate(s string) string { return textutil.Clip(s, 64) }

// IsRoot reports whether p is the root folder.
func (p Path) IsRoot() bool { return p.rel == "" }

// String returns p relative to the root, without a leading slash
// ("images/logo.png"; "" for the root). This is the form search results
// carry as full_path.
func (p Path) String() string { return p.rel }

// Abs returns p with a leading slash ("/images/logo.png"; "/" for the
// root), the form transfer records carry.
func (p Path) Abs() string { return "/" + p.rel }

// Name returns the last segment ("logo.png"; "" for the root).
func (p Path) Name() string {
	return p.rel[strings.LastIndexByte(p.rel, '/')+1:]
}

// Dir returns the folder holding p (the root for a top-level name and
// for the root itself).
func (p Path) Dir() Path {
	i := strings.LastIndexByte(p.rel, '/')
	if i < 0 {
		return Path{}
	}
	return Path{rel: p.rel[:i]}
}

// Join returns the path of name inside folder p. name must be a single
// segment.
func (p Path) Join(name string) (Path, error) {
	if name == "" || strings.Contains(name, "/") {
		return Path{}, fmt.Errorf("%w: %q is not a single name", ErrInvalidPath, name)
	}
	if p.rel == "" {
		return ParsePath(name)
	}
	return ParsePath(p.rel + "/" + name)
}

// ancestors returns the folders above p, outermost first, without the
// root ("a/b/c" gives "a", "a/b").
func (p Path) ancestors() []string {
	var out []string
	for i := 0; i < len(p.rel); i++ {
		if p.rel[i] == '/' {
			out = append(out, p.rel[:i])
		}
	}
	return out
}

// Preference keys and the variables a receivedDocumentsPath template may
// use.
const (
	PrefReceivedDocumentsPath = "receivedDocumentsPath"
	// PrefReceivedDocumentsOverwrite is "true" or "false" (the default):
	// whether a received document may replace one that another sender
	// delivered, or that came by other means, at the same path.
	PrefReceivedDocumentsOverwrite = "receivedDocumentsOverwrite"

	// DefaultReceivedDocumentsPath is where received documents go unless
	// the member sets another template: a folder per sending member, so
	// that two senders' documents of one name never meet.
	DefaultReceivedDocumentsPath = "/received/${sender_org}/${recipient_destination}"

	VarSenderOrg            = "sender_org"
	VarSenderDestination    = "sender_destination"
	VarRecipientDestination = "recipient_destination"
)

// ReceivedVars are the values substituted into a receivedDocumentsPath
// template when a document arrives.
type ReceivedVars struct {
	SenderOrg            string // the sending member
	SenderDestination    string // name of the sending destination
	RecipientDestination string // name of the receiving destination
}

func (v ReceivedVars) lookup(name string) string {
	switch name {
	case VarSenderOrg:
		return v.SenderOrg
	case VarSenderDestination:
		return v.SenderDestination
	default:
		return v.RecipientDestination
	}
}

// maxTemplateLen bounds a template; its expansion is checked against
// MaxPathLen when a document arrives.
const maxTemplateLen = 512

// ValidateTemplate checks a receivedDocumentsPath template: an absolute
// folder path ("/received/${sender_org}/${recipient_destination}") whose only "$"
// characters start one of the variables ${sender_org},
// ${sender_destination} and ${recipient_destination}. With the variables
// replaced by plain names the result must be a valid path; a trailing
// slash is allowed. The error wraps ErrInvalidArgument and says what is
// wrong.
func ValidateTemplate(tmpl string) error {
	_, err := expand(tmpl, ReceivedVars{SenderOrg: "o", SenderDestination: "s", RecipientDestination: "r"}, true)
	return err
}

// ExpandTemplate substitutes v into a template that ValidateTemplate
// accepts and returns the folder received documents are placed in. The
// values come from the registry, so the result is checked again: a value
// such as ".." or one holding a "/" is refused with ErrInvalidPath.
func ExpandTemplate(tmpl string, v ReceivedVars) (Path, error) {
	for _, val := range []string{v.SenderOrg, v.SenderDestination, v.RecipientDestination} {
		if strings.ContainsAny(val, `/\`) {
			return Path{}, fmt.Errorf("%w: template value %q holds a path separator", ErrInvalidPath, val)
		}
	}
	return expand(tmpl, v, false)
}

// expand substitutes v into tmpl. When validating, v holds plain sample
// values and a bad result is the template's fault.
func expand(tmpl string, v ReceivedVars, validating bool) (Path, error) {
	bad := func(format string, args ...any) (Path, error) {
		return Path{}, fmt.Errorf("%w: %s %q: %s (example: %s)", ErrInvalidArgument,
			PrefReceivedDocumentsPath, truncate(tmpl), fmt.Sprintf(format, args...), DefaultReceivedDocumentsPath)
	}
	if len(tmpl) > maxTemplateLen {
		return bad("longer than %d bytes", maxTemplateLen)
	}
	if !strings.HasPrefix(tmpl, "/") {
		return bad("must be an absolute path starting with '/'")
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		if c != '$' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(tmpl) || tmpl[i+1] != '{' {
			return bad("'$' at byte %d does not start a variable ${name}", i)
		}
		end := strings.IndexByte(tmpl[i+2:], '}')
		if end < 0 {
			return bad("variable at byte %d is not closed with '}'", i)
		}
		name := tmpl[i+2 : i+2+end]
		switch name {
		case VarSenderOrg, VarSenderDestination, VarRecipientDestination:
		default:
			return bad("unknown variable ${%s} (known: ${%s}, ${%s}, ${%s})", truncate(name),
				VarSenderOrg, VarSenderDestination, VarRecipientDestination)
		}
		b.WriteString(v.lookup(name))
		i += 2 + end + 1
	}
	p, err := ParsePath(b.String())
	if err != nil {
		if validating {
			return bad("%s", strings.TrimPrefix(err.Error(), ErrInvalidPath.Error()+": "))
		}
		return Path{}, fmt.Errorf("%w (template %q expanded to %q)", err, truncate(tmpl), truncate(b.String()))
	}
	return p, nil
}
