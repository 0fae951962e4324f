package layers

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// indexCache keeps the last index.json this Store parsed, keyed by its
// bytes, and a map from manifest digest to names built from it once.
// index.json lists every image, step images of builds included, so
// decoding it is what grew with a store's history: a no-change rebuild
// decoded it for every cached step (issue #23: 2.95x the first rebuild
// after 100 builds). The file is still read on every lookup, so a write by
// another process (or this one) is seen at once, but it is decoded only
// when its bytes differ from the cached ones: a lookup is a read, a
// compare and a map access. Nothing is written through the cache.
type indexCache struct {
	mu       sync.Mutex
	raw      []byte
	im       *v1.IndexManifest
	byDigest map[v1.Hash][]string // listed image manifests -> names (nil: untagged)
	parses   int                  // decodes of index.json, for tests
}

// load returns the parsed index.json, decoding it only when its bytes
// changed since the last call. The caller holds c.mu.
func (c *indexCache) load(path string) (*v1.IndexManifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading image index: %w", err)
	}
	if c.im != nil && bytes.Equal(raw, c.raw) {
		return c.im, nil
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("reading image index: %w", err)
	}
	c.parses++
	c.raw, c.im, c.byDigest = raw, im, nil
	return im, nil
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
	im, err := c.load(s.indexPath())
	if err != nil {
		return nil, false, err
	}
	if c.byDigest == nil {
		c.byDigest = make(map[v1.Hash][]string, len(im.Manifests))
		for _, d := range im.Manifests {
			if !d.MediaType.IsImage() {
				continue
			}
			ns := c.byDigest[d.Digest]
			if n := d.Annotations[AnnotationRefName]; n != "" {
				ns = append(ns, n)
			}
			c.byDigest[d.Digest] = ns
		}
	}
	names, listed = c.byDigest[h]
	return append([]string(nil), names...), listed, nil
}

// indexParses is how many times this Store decoded index.json.
func (s *Store) indexParses() int {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	return s.index.parses
}
