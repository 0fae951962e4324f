package layers

import (
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ImageIDs is what each name and manifest digest of index.json stands for,
// for the callers that need many of these answers at once (ps -a keeping a
// container's IMAGE while its name still means its image): Resolve per
// name reads index.json each time, and an untagged name loads every image.
type ImageIDs struct {
	ByName     map[string]string // full name (NormalizeRef) → image ID
	ByManifest map[string]string // manifest digest → image ID
}

// ImageIDs reads index.json once and each listed manifest once (a few
// hundred bytes; never a config or a layer record).
func (s *Store) ImageIDs() (ImageIDs, error) {
	ids := ImageIDs{ByName: map[string]string{}, ByManifest: map[string]string{}}
	im, err := s.readIndex()
	if err != nil {
		return ids, err
	}
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		k := d.Digest.String()
		id, seen := ids.ByManifest[k]
		if !seen {
			var m v1.Manifest
			if _, err := s.readJSONBlob(d.Digest, &m); err != nil {
				return ids, err
			}
			id = m.Config.Digest.String()
			ids.ByManifest[k] = id
		}
		if n := d.Annotations[AnnotationRefName]; n != "" {
			ids.ByName[n] = id
		}
	}
	return ids, nil
}

// Lookup is the image ID ref stands for, found as Resolve finds it: by
// name, by name@digest, else by an image ID or a unique prefix of one; ok
// is false when it means none of index.json's images.
func (ids ImageIDs) Lookup(ref string) (id string, ok bool) {
	hex, isID := strings.CutPrefix(ref, "sha256:")
	if !isID {
		if full, err := NormalizeRef(ref); err == nil {
			if _, dgst, isDigest := strings.Cut(full, "@"); isDigest {
				id, ok = ids.ByManifest[dgst]
				return id, ok
			}
			if id, ok = ids.ByName[full]; ok {
				return id, true
			}
		}
	}
	if hex == "" || !isHex(hex) {
		return "", false
	}
	for _, cand := range ids.ByManifest {
		if strings.HasPrefix(strings.TrimPrefix(cand, "sha256:"), hex) {
			if ok && cand != id {
				return "", false // ambiguous
			}
			id, ok = cand, true
		}
	}
	return id, ok
}
