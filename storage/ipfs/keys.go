package ipfs

import (
	"fmt"

	"github.com/consign/consign/storage"
)

// checkKey applies storage.ValidateKey with this package's op prefix.
func checkKey(op, key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return fmt.Errorf("storage/ipfs: %s: %w", op, err)
	}
	return nil
}
