package docstore

import (
	"context"
	"fmt"
)

// Preferences are a member's settings of the document store.
type Preferences struct {
	// ReceivedDocumentsPath is the folder template received documents go
	// to (see ValidateTemplate); DefaultReceivedDocumentsPath unless set.
	ReceivedDocumentsPath string
	// ReceivedDocumentsOverwrite lets a received document replace one at
	// the same path that another sender delivered or that came by other
	// means. Off by default: then both are kept, the newcomer under a
	// numbered name ("contract (2).txt"), and its transfer record says so.
	ReceivedDocumentsOverwrite bool
}

// Preferences returns the member's preferences, defaults filled in.
func (sp *Space) Preferences(ctx context.Context) (Preferences, error) {
	prefs := Preferences{ReceivedDocumentsPath: DefaultReceivedDocumentsPath}
	rows, err := sp.s.db.QueryContext(ctx, `SELECT key, value FROM docstore_preferences WHERE member = ?`, sp.member)
	if err != nil {
		return Preferences{}, fmt.Errorf("docstore: preferences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return Preferences{}, fmt.Errorf("docstore: preferences: %w", err)
		}
		switch k {
		case PrefReceivedDocumentsPath:
			prefs.ReceivedDocumentsPath = v
		case PrefReceivedDocumentsOverwrite:
			prefs.ReceivedDocumentsOverwrite = v == "true"
		}
	}
	if err := rows.Err(); err != nil {
		return Preferences{}, fmt.Errorf("docstore: preferences: %w", err)
	}
	return prefs, nil
}

// SetPreference sets one preference: PrefReceivedDocumentsPath, whose
// value must pass ValidateTemplate, or PrefReceivedDocumentsOverwrite,
// "true" or "false"; any other key or a bad value gives
// ErrInvalidArgument and changes nothing.
func (sp *Space) SetPreference(ctx context.Context, key, value string) error {
	op := fmt.Sprintf("docstore: set preference %q", truncate(key))
	switch key {
	case PrefReceivedDocumentsPath:
		if err := ValidateTemplate(value); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	case PrefReceivedDocumentsOverwrite:
		if value != "true" && value != "false" {
			return fmt.Errorf("%s: %w: %q: use \"true\" or \"false\"", op, ErrInvalidArgument, truncate(value))
		}
	case "":
		return fmt.Errorf("%s: %w: send {\"key\": %q, \"value\": \"…\"}", op, ErrInvalidArgument, PrefReceivedDocumentsPath)
	default:
		return fmt.Errorf("%s: %w: unknown preference (known: %s, %s)", op, ErrInvalidArgument,
			PrefReceivedDocumentsPath, PrefReceivedDocumentsOverwrite)
	}
	_, err := sp.s.db.ExecContext(ctx, `INSERT INTO docstore_preferences (member, key, value) VALUES (?, ?, ?)
		ON CONFLICT (member, key) DO UPDATE SET value = excluded.value`, sp.member, key, value)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// ReceivedFolder returns the folder a document received from the given
// sender and destinations goes to, by the member's template.
func (sp *Space) ReceivedFolder(ctx context.Context, v ReceivedVars) (Path, error) {
	prefs, err := sp.Preferences(ctx)
	if err != nil {
		return Path{}, err
	}
	p, err := ExpandTemplate(prefs.ReceivedDocumentsPath, v)
	if err != nil {
		return Path{}, fmt.Errorf("docstore: received folder: %w", err)
	}
	return p, nil
}
