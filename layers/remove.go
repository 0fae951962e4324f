package layers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/errdefs"
)

// Tag gives the image src the name dst, moving dst from any image that had
// it.
func (s *Store) Tag(src, dst string) error {
	img, err := s.Resolve(src)
	if err != nil {
		return err
	}
	return s.TagImage(img, dst)
}

// descriptor is index.json's descriptor of a manifest, without names.
func (s *Store) descriptor(digest string) (v1.Descriptor, error) {
	im, err := s.readIndex()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for _, d := range im.Manifests {
		if d.Digest.String() == digest {
			d.Annotations = nil
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("image %s: %w", digest, errdefs.ErrNotFound)
}

// Remove removes an image reference with docker rmi's rules: a name that
// is one of several only untags; the last name, or the ID, deletes the
// image (by ID, an image with several names needs force). Blobs, snapshots
// and layer records no longer reachable from any image are then deleted.
// Whether a container uses the image is for the caller to check.
func (s *Store) Remove(ref string, force bool) (Removed, error) {
	var rm Removed
	img, err := s.Resolve(ref)
	if err != nil {
		return rm, err
	}
	byName := ""
	if full, err := NormalizeRef(ref); err == nil && !strings.HasPrefix(ref, "sha256:") {
		for _, n := range img.Names {
			if n == full {
				byName = n
			}
		}
	}
	untag := img.Names
	switch {
	case byName != "" && len(img.Names) > 1:
		untag = []string{byName}
	case byName == "" && len(img.Names) > 1 && !force:
		return rm, fmt.Errorf("unable to delete %s (must be forced) - image is referenced in multiple repositories: %w",
			shortID(img.ID), errdefs.ErrFailedPrecondition)
	}
	drop := map[string]bool{}
	for _, n := range untag {
		drop[n] = true
		rm.Untagged = append(rm.Untagged, FamiliarName(n))
	}
	deleteAll := len(untag) == len(img.Names)
	im, err := s.readIndex()
	if err != nil {
		return rm, err
	}
	var keep []v1.Descriptor
	for _, d := range im.Manifests {
		if d.Digest.String() == img.Digest && (deleteAll || drop[d.Annotations[AnnotationRefName]]) {
			continue
		}
		keep = append(keep, d)
	}
	im.Manifests = keep
	if err := s.writeIndex(im); err != nil {
		return rm, err
	}
	if !deleteAll {
		return rm, nil
	}
	rm.Deleted = append(rm.Deleted, img.ID)
	deleted, err := s.gc()
	for _, l := range img.Layers { // docker lists the image, then its layers
		if slices.Contains(deleted, l.Digest) && !slices.Contains(rm.Deleted, l.Digest) {
			rm.Deleted = append(rm.Deleted, l.Digest)
		}
	}
	return rm, err
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// reachable is what index.json and the held images a container uses
// (held.go) reach: blob hexes, snapshot chain IDs
// and diff IDs. An error means a partial view, on which nothing may be
// deleted.
func (s *Store) reachable() (blobs, chains, diffs map[string]bool, err error) {
	im, err := s.readIndex()
	if err != nil {
		return nil, nil, nil, err
	}
	blobs, chains, diffs = map[string]bool{}, map[string]bool{emptySnapshot: true}, map[string]bool{}
	var walk func(h v1.Hash) error
	walk = func(h v1.Hash) error {
		if blobs[h.Hex] {
			return nil
		}
		blobs[h.Hex] = true
		var node struct {
			Config    *v1.Descriptor  `json:"config"`
			Layers    []v1.Descriptor `json:"layers"`
			Manifests []v1.Descriptor `json:"manifests"`
		}
		data, err := os.ReadFile(s.blobPath(h))
		if err != nil {
			return fmt.Errorf("blob %s: %w", h, err)
		}
		if json.Unmarshal(data, &node) != nil {
			return nil
		}
		for _, m := range node.Manifests {
			if err := walk(m.Digest); err != nil {
				return err
			}
		}
		if node.Config == nil {
			return nil
		}
		blobs[node.Config.Digest.Hex] = true
		for _, l := range node.Layers {
			blobs[l.Digest.Hex] = true
		}
		var cf v1.ConfigFile
		if json.Unmarshal(readOrNil(s.blobPath(node.Config.Digest)), &cf) == nil {
			var chain v1.Hash
			for _, d := range cf.RootFS.DiffIDs {
				chain = chainID(chain, d)
				chains[chain.Hex], diffs[d.Hex] = true, true
			}
		}
		return nil
	}
	for _, d := range im.Manifests {
		if err := walk(d.Digest); err != nil {
			return nil, nil, nil, err // never delete on a partial view
		}
	}
	roots, _, err := s.heldRoots()
	if err != nil {
		return nil, nil, nil, err
	}
	for _, h := range roots {
		if err := walk(h); err != nil {
			return nil, nil, nil, err
		}
	}
	return blobs, chains, diffs, nil
}

// SweepOrphanBlobs deletes the blobs no image in index.json reaches, and
// returns their digests. Every writer commits its blobs before the index
// entry that names them, under the store's lock (the engine's), and so
// does rmi's gc; the caller holds that lock, so no writer is at work and
// an unreachable blob is what one killed between the two left: garbage,
// swept as a dead writer's temporaries are, never data.
func (s *Store) SweepOrphanBlobs() []string {
	blobs, _, _, err := s.reachable()
	if err != nil {
		return nil // never delete on a partial view: Check reports it
	}
	var deleted []string
	dir := filepath.Join(s.oci, "blobs", "sha256")
	for _, name := range readDirNames(dir) {
		if !blobs[name] && isHex(name) && len(name) == 64 {
			if os.Remove(filepath.Join(dir, name)) == nil {
				deleted = append(deleted, "sha256:"+name)
			}
		}
	}
	return deleted
}

// gc deletes the blobs, snapshots and layer records that no image in
// index.json reaches, and returns the deleted layer digests.
func (s *Store) gc() ([]string, error) {
	if err := s.forgetUnheld(); err != nil {
		return nil, err
	}
	blobs, chains, diffs, err := s.reachable()
	if err != nil {
		return nil, err
	}
	var deleted []string
	dir := filepath.Join(s.oci, "blobs", "sha256")
	for _, name := range readDirNames(dir) {
		if !blobs[name] {
			if os.Remove(filepath.Join(dir, name)) == nil {
				deleted = append(deleted, "sha256:"+name)
			}
		}
	}
	for _, name := range readDirNames(s.snapshots) {
		if !chains[name] && !strings.HasPrefix(name, ".") {
			// Renamed first: a half-deleted snapshot never keeps its name.
			gone := filepath.Join(s.snapshots, ".tmp-gc-"+name)
			if os.Rename(filepath.Join(s.snapshots, name), gone) == nil {
				os.RemoveAll(gone)
			}
		}
	}
	for _, name := range readDirNames(s.layerInfo) {
		if !diffs[strings.TrimSuffix(name, filepath.Ext(name))] { // <hex>, <hex>.files (layerindex.go)
			os.Remove(filepath.Join(s.layerInfo, name))
		}
	}
	return deleted, nil
}

func readOrNil(p string) []byte {
	data, _ := os.ReadFile(p)
	return data
}

func readDirNames(dir string) []string {
	entries, _ := os.ReadDir(dir)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

// Untag removes one name, leaving the image in the store (untagged if that
// was its last name), as docker rmi -f does to an image a container uses.
func (s *Store) Untag(ref string) (Removed, error) {
	full, err := NormalizeRef(ref)
	if err != nil {
		return Removed{}, err
	}
	im, err := s.readIndex()
	if err != nil {
		return Removed{}, err
	}
	found := false
	for i, d := range im.Manifests {
		if d.Annotations[AnnotationRefName] == full {
			im.Manifests[i].Annotations, found = nil, true
		}
	}
	if !found {
		return Removed{}, fmt.Errorf("image %q: %w", ref, errdefs.ErrNotFound)
	}
	im.Manifests = dedupUntagged(im.Manifests)
	return Removed{Untagged: []string{FamiliarName(full)}}, s.writeIndex(im)
}
