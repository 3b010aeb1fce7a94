package chain

import (
	"fmt"

	"github.com/consign/consign/chain/internal/contracts"
)

// contractError maps a decoded custom error of the contracts to a
// sentinel-wrapped error that says what was refused.
func contractError(v any) error {
	switch e := v.(type) {
	case *contracts.RegistryNotOwner:
		return fmt.Errorf("member %q is owned by another address than %s: %w", e.Name, e.Sender.Hex(), ErrNotOwner)
	case *contracts.RegistryNotAdmin:
		return fmt.Errorf("%s: %w", e.Sender.Hex(), ErrNotAdmin)
	case *contracts.RegistryUnknownMember:
		return fmt.Errorf("member %q: %w", e.Name, ErrUnknownMember)
	case *contracts.RegistryMemberExists:
		return fmt.Errorf("member %q: %w", e.Name, ErrMemberExists)
	case *contracts.RegistryOwnerTaken:
		return fmt.Errorf("owner %s already owns a member: %w", e.Owner.Hex(), ErrMemberExists)
	case *contracts.RegistryBadArgument:
		return fmt.Errorf("%s: %w", e.What, ErrBadArgument)
	case *contracts.PinEmptyBatch:
		return fmt.Errorf("empty batch: %w", ErrBadArgument)
	default:
		return fmt.Errorf("contract error %T: %w", v, ErrReverted)
	}
}
