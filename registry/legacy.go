package registry

import (
	"fmt"
	"os"
	"path/filepath"
)

// refuseLegacy refuses a directory written by berth's earlier registry
// (go-containerregistry's handler replayed from blobs/ and
// repositories/), which distribution cannot read.
func refuseLegacy(dir string) error {
	for _, old := range []string{"repositories", "blobs"} {
		if fi, err := os.Stat(filepath.Join(dir, old)); err == nil && fi.IsDir() {
			return fmt.Errorf("registry directory %s: written by an older berth (it has %s/), whose layout this registry cannot read: serve a new --dir and push the images again", dir, old)
		}
	}
	return nil
}
