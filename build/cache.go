package build

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Cache maps a step's key to the image the step made. One small file per
// entry under dir, written atomically; it survives across builds.
type Cache struct{ dir string }

// OpenCache opens (creating) the cache under dir (<store>/buildcache).
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("build cache: %v", err)
	}
	return &Cache{dir: dir}, nil
}

// Key is a step's cache key: its parent's key, the instruction text, the
// build args it sees and (COPY/ADD) the checksum of its sources.
func Key(parent, instruction string, args []string, sources string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s", parent, instruction, strings.Join(args, "\x00"), sources)
	return hex.EncodeToString(h.Sum(nil))
}

// Get returns the image ID stored for key.
func (c *Cache) Get(key string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(c.dir, key))
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}

// Put records that key made image id.
func (c *Cache) Put(key, id string) error {
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.WriteString(id); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), filepath.Join(c.dir, key))
}

// Entries lists the image IDs of every cache entry, by key.
func (c *Cache) Entries() (map[string]string, error) {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	out := map[string]string{}
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		if id, ok := c.Get(d.Name()); ok {
			out[d.Name()] = id
		}
	}
	return out, nil
}

// Remove drops one entry.
func (c *Cache) Remove(key string) error { return os.Remove(filepath.Join(c.dir, key)) }
