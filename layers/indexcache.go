package layers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berthdev/berth/internal/errdefs"
)

// indexCache keeps the last index.json this Store read, keyed by its
// bytes: decoded whole for the writers (readIndex) and, for lookups, into
// maps from manifest digest to names and from name to digest, decoding
// only the three fields they need.
// index.json lists every image, step images of builds included, so
// decoding it is what grew with a store's history: a no-change rebuild
// decoded it for every cached step (issue #23: 2.95x the first rebuild
// after 100 builds). The file is still read on every lookup, so a write by
// another process (or this one) is seen at once, but it is decoded only
// when its bytes differ from the cached ones: a lookup is a read, a
// compare and a map access. Nothing is written through the cache.
type indexCache struct {
	mu     sync.Mutex
	raw    []byte
	read   bool              // raw holds the file's bytes as last read
	im     *v1.IndexManifest // raw decoded whole, nil until asked for
	keys   *indexKeys        // raw's lookup maps, nil until asked for
	parses int               // decodes of index.json, whole or for keys, for tests
}

// indexKeys are index.json's image manifests by digest and by name.
type indexKeys struct {
	byDigest map[string][]string // manifest digest -> names (nil: untagged)
	byName   map[string]string   // full name -> manifest digest
}

// refresh reads index.json and drops what was decoded from other bytes.
// The caller holds c.mu.
func (c *indexCache) refresh(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading image index: %w", err)
	}
	if c.read && bytes.Equal(raw, c.raw) {
		return nil
	}
	c.raw, c.read, c.im, c.keys = raw, true, nil, nil
	return nil
}

// load returns index.json decoded whole. The caller holds c.mu.
func (c *indexCache) load(path string) (*v1.IndexManifest, error) {
	if err := c.refresh(path); err != nil {
		return nil, err
	}
	if c.im == nil {
		im, err := v1.ParseIndexManifest(bytes.NewReader(c.raw))
		if err != nil {
			return nil, fmt.Errorf("reading image index: %w", err)
		}
		c.parses++
		c.im = im
	}
	return c.im, nil
}

// lookupKeys returns index.json's lookup maps. The caller holds c.mu.
func (c *indexCache) lookupKeys(path string) (*indexKeys, error) {
	if err := c.refresh(path); err != nil {
		return nil, err
	}
	if c.keys != nil {
		return c.keys, nil
	}
	var lean struct {
		Manifests []struct {
			MediaType   types.MediaType   `json:"mediaType"`
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(c.raw, &lean); err != nil {
		return nil, fmt.Errorf("reading image index: %w", err)
	}
	c.parses++
	k := &indexKeys{byDigest: make(map[string][]string, len(lean.Manifests)), byName: map[string]string{}}
	for _, d := range lean.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		ns := k.byDigest[d.Digest]
		if n := d.Annotations[AnnotationRefName]; n != "" {
			ns = append(ns, n)
			if _, ok := k.byName[n]; !ok {
				k.byName[n] = d.Digest // the first, as a scan of index.json finds
			}
		}
		k.byDigest[d.Digest] = ns
	}
	c.keys = k
	return k, nil
}

// readIndex reads index.json (through the cache). The caller owns what
// it gets: a copy of the manifest list with copies of the annotations.
func (s *Store) readIndex() (*v1.IndexManifest, error) {
	c := s.index
	c.mu.Lock()
	defer c.mu.Unlock()
	im, err := c.load(s.indexPath())
	if err != nil {
		return nil, err
	}
	out := *im
	out.Manifests = make([]v1.Descriptor, len(im.Manifests))
	for i, d := range im.Manifests {
		d.Annotations = maps.Clone(d.Annotations)
		out.Manifests[i] = d
	}
	out.Annotations = maps.Clone(im.Annotations)
	return &out, nil
}

// listedNames reports whether index.json lists the image manifest h, and
// its names: a keyed lookup in the cache's map, without copying the
// index.
func (s *Store) listedNames(h v1.Hash) (names []string, listed bool, err error) {
	c := s.index
	c.mu.Lock()
	defer c.mu.Unlock()
	k, err := c.lookupKeys(s.indexPath())
	if err != nil {
		return nil, false, err
	}
	names, listed = k.byDigest[h.String()]
	return append([]string(nil), names...), listed, nil
}

// namedDigest is the manifest digest of the image index.json names full
// (a full name, not name@digest); ok is false when none is.
func (s *Store) namedDigest(full string) (h v1.Hash, ok bool, err error) {
	c := s.index
	c.mu.Lock()
	defer c.mu.Unlock()
	k, err := c.lookupKeys(s.indexPath())
	if err != nil {
		return v1.Hash{}, false, err
	}
	d, ok := k.byName[full]
	if !ok {
		return v1.Hash{}, false, nil
	}
	h, err = v1.NewHash(d)
	if err != nil {
		return v1.Hash{}, false, fmt.Errorf("image index: %q: %w", d, errdefs.ErrInvalid)
	}
	return h, true, nil
}

// indexParses is how many times this Store decoded index.json, whole or
// for its lookup maps.
func (s *Store) indexParses() int {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	return s.index.parses
}
