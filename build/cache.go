package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Cache is the build cache of one store, under <store>/buildcache:
//
//	<key>            a step's cache key -> "<image ID> <manifest digest>"
//	.steps/<hex>     the index of step images: one record per image a
//	                 step made (Step, JSON), named by its image ID
//	.results/<hex>   the final images of builds (empty files)
//	.tmp/            files being written, renamed into place when whole
//
// Every file is written whole (temp file in .tmp, rename), so a build
// killed at any point leaves whole records or none; opening the cache
// sweeps .tmp alone, so it reads no more as the cache grows. A record can outlive its image
// (a crash between removing the image and the record; an image removed
// with rmi): readers check the image (Engine.ImageByDigest, the store's
// blobs) and treat such a record as absent, and Prune drops it. An image
// committed just before a crash has no record: it is an untagged image
// like any other, which `image prune` removes.
//
// The index is what keeps rebuilds flat: a cache hit loads its image by
// manifest digest and prune reads .steps, so neither scans the store's
// images.
type Cache struct{ dir string }

// Step is one record of the step index.
type Step struct {
	ID      string    `json:"id"`               // image ID, sha256:<hex>
	Digest  string    `json:"digest"`           // manifest digest
	Parent  string    `json:"parent,omitempty"` // image ID of the step before, "" for FROM scratch
	Created time.Time `json:"created"`
}

// OpenCache opens (creating) the cache under dir (<store>/buildcache) and
// removes temporary files that a build killed an hour ago or more left.
func OpenCache(dir string) (*Cache, error) {
	c := &Cache{dir: dir}
	for _, d := range []string{dir, c.stepsDir(), c.resultsDir(), c.tmpDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("build cache: %v", err)
		}
	}
	removeStaleTemps(c.tmpDir())
	return c, nil
}

func (c *Cache) stepsDir() string   { return filepath.Join(c.dir, ".steps") }
func (c *Cache) resultsDir() string { return filepath.Join(c.dir, ".results") }
func (c *Cache) tmpDir() string     { return filepath.Join(c.dir, ".tmp") }

// sweptEntries counts the directory entries removeStaleTemps read, for
// tests.
var sweptEntries atomic.Int64

// removeStaleTemps removes .tmp-* files of dir unchanged for an hour: a
// running build renames its own within milliseconds.
func removeStaleTemps(dir string) {
	des, _ := os.ReadDir(dir)
	sweptEntries.Add(int64(len(des)))
	for _, d := range des {
		if !strings.HasPrefix(d.Name(), ".tmp-") {
			continue
		}
		if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			os.Remove(filepath.Join(dir, d.Name()))
		}
	}
}

// Key is a step's cache key: its parent's key, the instruction text, the
// build args it sees and (COPY/ADD) the checksum of its sources.
func Key(parent, instruction string, args []string, sources string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s", parent, instruction, strings.Join(args, "\x00"), sources)
	return hex.EncodeToString(h.Sum(nil))
}

// Get returns the image ID and manifest digest stored for key.
func (c *Cache) Get(key string) (id, digest string, ok bool) {
	b, err := os.ReadFile(filepath.Join(c.dir, key))
	if err != nil {
		return "", "", false
	}
	id, digest, ok = strings.Cut(strings.TrimSpace(string(b)), " ")
	return id, digest, ok && id != "" && digest != ""
}

// Put records that key made the image id with manifest digest.
func (c *Cache) Put(key, id, digest string) error {
	return c.writeWhole(c.dir, key, []byte(id+" "+digest))
}

// AddStep records s in the step index.
func (c *Cache) AddStep(s Step) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return c.writeWhole(c.stepsDir(), strings.TrimPrefix(s.ID, "sha256:"), data)
}

// MarkResult records id as the final image of a build: listed with the
// images, not as build cache, even when no tag names it any more.
func (c *Cache) MarkResult(id string) error {
	return c.writeWhole(c.resultsDir(), strings.TrimPrefix(id, "sha256:"), nil)
}

// IsResult reports whether id is the final image of a build.
func (c *Cache) IsResult(id string) bool {
	_, err := os.Stat(filepath.Join(c.resultsDir(), strings.TrimPrefix(id, "sha256:")))
	return err == nil
}

// StepIDs lists the image IDs in the step index (only the directory is
// read).
func (c *Cache) StepIDs() (map[string]bool, error) {
	names, err := readNames(c.stepsDir())
	out := map[string]bool{}
	for _, n := range names {
		out["sha256:"+n] = true
	}
	return out, err
}

// Steps reads the step index. A record from before the index had
// digests (an empty file) comes back with its ID only.
func (c *Cache) Steps() ([]Step, error) {
	names, err := readNames(c.stepsDir())
	if err != nil {
		return nil, err
	}
	var out []Step
	for _, n := range names {
		s := Step{ID: "sha256:" + n}
		data, err := os.ReadFile(filepath.Join(c.stepsDir(), n))
		if err != nil {
			continue // removed meanwhile
		}
		if len(data) > 0 && json.Unmarshal(data, &s) != nil || s.ID != "sha256:"+n {
			s = Step{ID: "sha256:" + n} // unreadable: treated as a legacy record
		}
		out = append(out, s)
	}
	return out, nil
}

// Forget drops the records of the images ids: their step records,
// result marks and every key that names one of them. As it reads the
// whole cache anyway, it also sweeps the temporary files that builds from
// before .tmp/ left beside the records.
func (c *Cache) Forget(ids map[string]bool) error {
	for _, d := range []string{c.dir, c.stepsDir(), c.resultsDir()} {
		removeStaleTemps(d)
	}
	var errs []error
	for id := range ids {
		hex := strings.TrimPrefix(id, "sha256:")
		for _, p := range []string{filepath.Join(c.stepsDir(), hex), filepath.Join(c.resultsDir(), hex)} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	names, err := readNames(c.dir)
	if err != nil {
		return err
	}
	for _, k := range names {
		if id, d, _ := c.Get(k); ids[id] || d == "" { // "" : unreadable, or from before digests
			if err := os.Remove(filepath.Join(c.dir, k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// readNames lists dir's entries, without the hidden ones (.steps,
// .results, .tmp, .tmp-*).
func readNames(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("build cache: %v", err)
	}
	var out []string
	for _, d := range des {
		if !strings.HasPrefix(d.Name(), ".") {
			out = append(out, d.Name())
		}
	}
	return out, nil
}

// writeWhole writes dir/name by temp file (in .tmp, on the same file
// system) and rename: readers see the old content or the new, never part
// of it. No fsync: a cache entry lost to a power cut costs a rebuild of
// its step.
func (c *Cache) writeWhole(dir, name string, data []byte) error {
	f, err := os.CreateTemp(c.tmpDir(), ".tmp-*")
	if err != nil {
		return fmt.Errorf("build cache: %v", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("build cache: %v", err)
	}
	return nil
}
