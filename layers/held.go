package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// Held images. docker rmi -f IMAGE_ID deletes an image that only stopped
// containers use (daemon/images/image_delete.go: a stopped container is a
// soft conflict), and those containers keep working because their layers
// stay referenced. DeleteHeld does the same here: the image leaves
// index.json (no name, not listed, not resolved) and its manifest digest
// goes to held.json with its image ID. reachable treats a held manifest as
// a root while the store's InUse (WithInUse) names its ID, so its blobs,
// snapshots and layer records outlive the image; gc forgets it once no
// container uses it, and collects what it alone reached.

// heldImages maps a held manifest digest to its image (config) digest.
type heldImages map[string]string

func (s *Store) heldPath() string { return filepath.Join(s.root, "held.json") }

func (s *Store) readHeld() (heldImages, error) {
	data, err := os.ReadFile(s.heldPath())
	if errors.Is(err, os.ErrNotExist) {
		return heldImages{}, nil
	}
	if err != nil {
		return nil, err
	}
	h := heldImages{}
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("held.json: %v: %w", err, errdefs.ErrInvalid)
	}
	return h, nil
}

// WithInUse gives the store the set of image IDs containers use, asked
// each time it collects garbage, so a held image is kept while one does.
// The default is none: a held image is collected at the next gc.
func WithInUse(inUse func() (map[string]bool, error)) Option {
	return func(s *Store) error {
		s.inUse = inUse
		return nil
	}
}

// heldRoots is the held manifests a container still uses. An error means
// a partial view, on which nothing may be deleted.
func (s *Store) heldRoots() ([]v1.Hash, heldImages, error) {
	held, err := s.readHeld()
	if err != nil || len(held) == 0 {
		return nil, held, err
	}
	used := map[string]bool{}
	if s.inUse != nil {
		if used, err = s.inUse(); err != nil {
			return nil, nil, err
		}
	}
	var roots []v1.Hash
	for m, id := range held {
		if h, err := v1.NewHash(m); err == nil && used[id] {
			roots = append(roots, h)
		}
	}
	return roots, held, nil
}

// DeleteHeld deletes img as rmi does, every name untagged and the image
// out of index.json, but keeps what it reaches while a container uses it
// (the caller has checked that one does and that none runs it). Deleted
// names the image only: no layer of it is deleted.
func (s *Store) DeleteHeld(img *Image) (Removed, error) {
	var rm Removed
	held, err := s.readHeld()
	if err != nil {
		return rm, err
	}
	held[img.Digest] = img.ID
	if err := atomicfile.WriteJSON(s.heldPath(), held, 0o644); err != nil {
		return rm, err
	}
	im, err := s.readIndex()
	if err != nil {
		return rm, err
	}
	var keep []v1.Descriptor
	for _, d := range im.Manifests {
		if d.Digest.String() != img.Digest {
			keep = append(keep, d)
		}
	}
	im.Manifests = keep
	if err := s.writeIndex(im); err != nil {
		return rm, err
	}
	for _, n := range img.Names {
		rm.Untagged = append(rm.Untagged, FamiliarName(n))
	}
	rm.Deleted = []string{img.ID}
	_, err = s.gc()
	return rm, err
}

// HeldImage loads the held image with ID id: the base of a container
// whose image was deleted (commit needs its layers).
func (s *Store) HeldImage(id string) (*Image, error) {
	held, err := s.readHeld()
	if err != nil {
		return nil, err
	}
	for m, hid := range held {
		if hid != id {
			continue
		}
		h, err := v1.NewHash(m)
		if err != nil {
			continue
		}
		return s.loadImage(h)
	}
	return nil, fmt.Errorf("image %s: %w", shortID(id), errdefs.ErrNotFound)
}

// forgetUnheld drops from held.json the images no container uses any
// more, so that gc collects what they alone reached.
func (s *Store) forgetUnheld() error {
	roots, held, err := s.heldRoots()
	if err != nil || len(held) == len(roots) {
		return err
	}
	keep := heldImages{}
	for _, h := range roots {
		keep[h.String()] = held[h.String()]
	}
	return atomicfile.WriteJSON(s.heldPath(), keep, 0o644)
}

// Collect deletes the blobs, snapshots and layer records that neither an
// image nor a held image a container uses reaches, and returns the layer
// digests deleted: what a held image's last container leaves. The caller
// holds the store lock.
func (s *Store) Collect() ([]string, error) { return s.gc() }

// IsHeld says whether id is a held image's ID.
func (s *Store) IsHeld(id string) bool {
	held, err := s.readHeld()
	if err != nil {
		return false
	}
	for _, hid := range held {
		if hid == id {
			return true
		}
	}
	return false
}
