package layers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// Annotations on index.json descriptors. The store names an image by the
// full reference in AnnotationRefName (one descriptor per name; an untagged
// image has one descriptor without it).
const (
	AnnotationRefName    = "org.opencontainers.image.ref.name"
	AnnotationContainerd = "io.containerd.image.name"
)

// Store is the image store under one root: see the package documentation.
// Its methods are safe for concurrent use by several processes as long as
// mutating calls (Import, Load, Tag, Remove, Bootstrap) hold the store lock;
// LowerDirs and the readers need no lock.
type Store struct {
	root      string
	oci       string                          // OCI image layout
	ingest    string                          // partial writes
	snapshots string                          // unpacked layers, by chain ID
	layerInfo string                          // uncompressed layer sizes, by diff ID
	limits    Limits                          // what one layer may expand to (limits.go)
	inUse     func() (map[string]bool, error) // image IDs containers use (held.go)
	index     *indexCache                     // index.json, decoded once per content (indexcache.go)
}

// Open opens (creating if needed) the image store under root, and removes
// what an interrupted write left in ingest/.
func Open(root string, opts ...Option) (*Store, error) {
	s := &Store{
		root:      root,
		oci:       filepath.Join(root, "oci"),
		ingest:    filepath.Join(root, "ingest"),
		snapshots: filepath.Join(root, "snapshots"),
		layerInfo: filepath.Join(root, "layerinfo"),
		limits:    Limits{}.withDefaults(),
		index:     &indexCache{},
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{filepath.Join(s.oci, "blobs", "sha256"), s.ingest, s.snapshots, s.layerInfo} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating image store: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(s.oci, "oci-layout")); os.IsNotExist(err) {
		if err := atomicfile.WriteFile(filepath.Join(s.oci, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(s.indexPath()); os.IsNotExist(err) {
		if err := s.writeIndex(&v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}); err != nil {
			return nil, err
		}
	}
	cleanStale(s.ingest, "")
	cleanStale(s.snapshots, ".tmp-")
	return s, nil
}

func (s *Store) indexPath() string         { return filepath.Join(s.oci, "index.json") }
func (s *Store) blobPath(h v1.Hash) string { return filepath.Join(s.oci, "blobs", h.Algorithm, h.Hex) }

// writeIndex atomically replaces index.json.
func (s *Store) writeIndex(im *v1.IndexManifest) error {
	if im.Manifests == nil {
		im.Manifests = []v1.Descriptor{}
	}
	return atomicfile.WriteJSON(s.indexPath(), im, 0o644)
}

// readJSONBlob decodes a blob of the store.
func (s *Store) readJSONBlob(h v1.Hash, v any) ([]byte, error) {
	data, err := os.ReadFile(s.blobPath(h))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", h, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("blob %s: %v: %w", h, err, errdefs.ErrInvalid)
	}
	return data, nil
}

// images reads every image named by index.json, one per manifest digest,
// newest first.
func (s *Store) images() ([]*Image, error) {
	im, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	byDigest := map[v1.Hash]*Image{}
	var out []*Image
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		img, ok := byDigest[d.Digest]
		if !ok {
			if img, err = s.loadImage(d.Digest); err != nil {
				return nil, err
			}
			byDigest[d.Digest] = img
			out = append(out, img)
		}
		if n := d.Annotations[AnnotationRefName]; n != "" {
			img.Names = append(img.Names, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// loadImage builds an Image from its manifest and config blobs.
func (s *Store) loadImage(manifest v1.Hash) (*Image, error) {
	var m v1.Manifest
	if _, err := s.readJSONBlob(manifest, &m); err != nil {
		return nil, err
	}
	var cf v1.ConfigFile
	if _, err := s.readJSONBlob(m.Config.Digest, &cf); err != nil {
		return nil, err
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("image %s: %d layers but %d diff IDs: %w", manifest, len(m.Layers), len(cf.RootFS.DiffIDs), errdefs.ErrInvalid)
	}
	img := &Image{
		ID:           m.Config.Digest.String(),
		Digest:       manifest.String(),
		Created:      cf.Created.Time,
		Architecture: cf.Architecture,
		Variant:      cf.Variant,
		OS:           cf.OS,
		Author:       cf.Author,
		Config:       fromV1Config(cf.Config),
	}
	var chain v1.Hash
	for i, l := range m.Layers {
		diffID := cf.RootFS.DiffIDs[i]
		chain = chainID(chain, diffID)
		size, err := s.diffSize(l, diffID)
		if err != nil {
			return nil, err
		}
		img.Layers = append(img.Layers, Layer{Digest: l.Digest.String(), DiffID: diffID.String(),
			ChainID: chain.String(), Size: l.Size, DiffSize: size, MediaType: string(l.MediaType)})
		img.Size += size
	}
	for _, h := range cf.History {
		img.History = append(img.History, History{Created: h.Created.Time, CreatedBy: h.CreatedBy,
			Comment: h.Comment, EmptyLayer: h.EmptyLayer, Author: h.Author})
	}
	if n := len(cf.History); n > 0 {
		img.Comment = cf.History[n-1].Comment
	}
	return img, nil
}

// List returns every image, newest first; an image with several names
// appears once, with all of them.
func (s *Store) List() ([]*Image, error) { return s.images() }

// Resolve finds an image by name (normalized as NormalizeRef does), by
// image ID or a unique prefix of it (with or without "sha256:"), or by
// name@digest (the manifest digest).
func (s *Store) Resolve(ref string) (*Image, error) {
	if !strings.HasPrefix(ref, "sha256:") {
		if full, err := NormalizeRef(ref); err == nil {
			if img, ok, err := s.resolveName(full); ok || err != nil {
				return img, err // found by index.json's names alone (lookup.go)
			}
		}
	}
	imgs, err := s.images()
	if err != nil {
		return nil, err
	}
	notFound := fmt.Errorf("image %q: %w", ref, errdefs.ErrNotFound)
	if ref == "" {
		return nil, notFound
	}
	hex, isID := strings.CutPrefix(ref, "sha256:")
	if !isID {
		if full, err := NormalizeRef(ref); err == nil {
			if img := byName(imgs, full); img != nil {
				return img, nil
			}
		}
	}
	if !isHex(hex) {
		if _, err := NormalizeRef(ref); err != nil && !isID {
			return nil, err
		}
		return nil, notFound
	}
	var found *Image
	for _, img := range imgs {
		if strings.HasPrefix(strings.TrimPrefix(img.ID, "sha256:"), hex) {
			if found != nil && found.ID != img.ID {
				return nil, fmt.Errorf("image ID prefix %q is ambiguous: %w", ref, errdefs.ErrInvalid)
			}
			found = img
		}
	}
	if found == nil {
		return nil, notFound
	}
	return found, nil
}

// byName finds the image with a full name, or, for name@digest, the image
// with that manifest digest (preferring one named in the same repository).
func byName(imgs []*Image, full string) *Image {
	repo, dgst, isDigest := strings.Cut(full, "@")
	var loose *Image
	for _, img := range imgs {
		if !isDigest {
			for _, n := range img.Names {
				if n == full {
					return img
				}
			}
			continue
		}
		if img.Digest != dgst {
			continue
		}
		for _, n := range img.Names {
			if r, _ := SplitRef(n); r == repo {
				return img
			}
		}
		loose = img
	}
	return loose
}

func isHex(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// chainID is the OCI chain ID of a layer on top of parent (zero for none).
func chainID(parent, diffID v1.Hash) v1.Hash {
	if parent == (v1.Hash{}) {
		return diffID
	}
	h, _, _ := v1.SHA256(strings.NewReader(parent.String() + " " + diffID.String()))
	return h
}
