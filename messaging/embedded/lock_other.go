//go:build !unix

package embedded

import (
	"os"
	"path/filepath"
)

// lockDir on systems without flock only creates the lock file; running two
// processes on one directory there is the operator's mistake to avoid.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
}
