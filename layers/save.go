package layers

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berthdev/berth/internal/errdefs"
)

// Archive formats of Save.
const (
	DockerArchive = "docker-archive" // manifest.json + repositories + config + layers: docker load, podman load
	OCIArchive    = "oci-archive"    // a tarred OCI image layout, names in org.opencontainers.image.ref.name
)

// dockerManifest is one entry of a docker-archive's manifest.json.
type dockerManifest struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

// saved is one image to archive, with the names to give it there.
type saved struct {
	img   *Image
	names []string // full references
}

// Save writes the images refs name to w as one archive, in format
// DockerArchive (the default, for "") or OCIArchive. An image named by
// name keeps that name in the archive; one named by ID goes untagged.
func (s *Store) Save(w io.Writer, refs []string, format string) error {
	var list []*saved
	byID := map[string]*saved{}
	for _, ref := range refs {
		img, err := s.Resolve(ref)
		if err != nil {
			return err
		}
		sv := byID[img.Digest]
		if sv == nil {
			sv = &saved{img: img}
			byID[img.Digest] = sv
			list = append(list, sv)
		}
		if full, err := NormalizeRef(ref); err == nil && contains(img.Names, full) && !contains(sv.names, full) {
			sv.names = append(sv.names, full)
		}
	}
	switch format {
	case "", DockerArchive:
		return s.saveDocker(w, list)
	case OCIArchive:
		return s.saveOCI(w, list)
	}
	return fmt.Errorf("unknown archive format %q (docker-archive or oci-archive): %w", format, errdefs.ErrInvalid)
}

func (s *Store) saveDocker(w io.Writer, list []*saved) error {
	tw := tar.NewWriter(w)
	written := map[string]bool{}
	var manifest []dockerManifest
	repos := map[string]map[string]string{}
	for _, sv := range list {
		cfg := strings.TrimPrefix(sv.img.ID, "sha256:") + ".json"
		if err := s.addBlob(tw, cfg, sv.img.ID, written); err != nil {
			return err
		}
		dm := dockerManifest{Config: cfg}
		for _, l := range sv.img.Layers {
			name := strings.TrimPrefix(l.Digest, "sha256:") + layerExt(l.MediaType)
			if err := s.addBlob(tw, name, l.Digest, written); err != nil {
				return err
			}
			dm.Layers = append(dm.Layers, name)
		}
		for _, n := range sv.names {
			fam := FamiliarName(n)
			dm.RepoTags = append(dm.RepoTags, fam)
			if repo, tag := SplitRef(fam); len(sv.img.Layers) > 0 {
				if repos[repo] == nil {
					repos[repo] = map[string]string{}
				}
				repos[repo][tag] = strings.TrimPrefix(sv.img.Layers[len(sv.img.Layers)-1].ChainID, "sha256:")
			}
		}
		manifest = append(manifest, dm)
	}
	if err := addJSON(tw, "manifest.json", manifest); err != nil {
		return err
	}
	if len(repos) > 0 {
		if err := addJSON(tw, "repositories", repos); err != nil {
			return err
		}
	}
	return tw.Close()
}

func (s *Store) saveOCI(w io.Writer, list []*saved) error {
	tw := tar.NewWriter(w)
	written := map[string]bool{}
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
	for _, sv := range list {
		blobs := []string{sv.img.ID}
		for _, l := range sv.img.Layers {
			blobs = append(blobs, l.Digest)
		}
		blobs = append(blobs, sv.img.Digest)
		for _, b := range blobs {
			if err := s.addBlob(tw, "blobs/sha256/"+strings.TrimPrefix(b, "sha256:"), b, written); err != nil {
				return err
			}
		}
		desc, err := s.descriptor(sv.img.Digest)
		if err != nil {
			return err
		}
		if len(sv.names) == 0 {
			index.Manifests = append(index.Manifests, desc)
		}
		for _, n := range sv.names {
			d := desc
			d.Annotations = map[string]string{AnnotationRefName: FamiliarName(n), AnnotationContainerd: n}
			index.Manifests = append(index.Manifests, d)
		}
	}
	if err := addJSON(tw, "oci-layout", map[string]string{"imageLayoutVersion": "1.0.0"}); err != nil {
		return err
	}
	if err := addJSON(tw, "index.json", index); err != nil {
		return err
	}
	return tw.Close()
}

// addBlob writes the blob digest into the archive as name, once.
func (s *Store) addBlob(tw *tar.Writer, name, digest string, written map[string]bool) error {
	if written[name] {
		return nil
	}
	written[name] = true
	h, err := v1.NewHash(digest)
	if err != nil {
		return err
	}
	f, err := os.Open(s.blobPath(h))
	if err != nil {
		return fmt.Errorf("blob %s: %w", digest, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(archiveHeader(name, fi.Size())); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

func addJSON(tw *tar.Writer, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(archiveHeader(name, int64(len(data)))); err != nil {
		return err
	}
	_, err = tw.Write(data)
	return err
}

// archiveHeader is a plain file entry with fixed metadata, so the same
// images always give the same archive.
func archiveHeader(name string, size int64) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o444, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
}

func layerExt(mt string) string {
	switch types.MediaType(mt) {
	case types.OCILayerZStd:
		return ".tar.zst"
	case types.OCIUncompressedLayer, types.DockerUncompressedLayer:
		return ".tar"
	}
	return ".tar.gz"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
