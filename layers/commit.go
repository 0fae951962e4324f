package layers

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berthdev/berth/internal/errdefs"
)

// Import stores the root filesystem tarball r (plain, gzip, bzip2 or zstd)
// as a new single-layer image, as `docker import` does, and names it ref
// (none when empty). A corrupt, truncated or hostile tarball fails with
// ErrInvalid and leaves the store as it was.
func (s *Store) Import(r io.Reader, ref string, opts ImportOptions) (*Image, error) {
	var names []string
	if ref != "" {
		full, err := tagRef(ref)
		if err != nil {
			return nil, err
		}
		names = []string{full}
	}
	what := opts.Source
	if what == "" {
		what = "importing tarball"
	}
	t := &txn{s: s}
	img, err := func() (*Image, error) {
		l, err := t.writeLayer(r, what)
		if err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		cf := &v1.ConfigFile{
			Architecture: runtime.GOARCH,
			OS:           "linux",
			Created:      v1.Time{Time: now},
			Config:       toV1Config(opts.Config),
			RootFS:       v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{l.diffID}},
			History:      []v1.History{{Created: v1.Time{Time: now}, CreatedBy: "berth import", Comment: opts.Message}},
		}
		return t.commitImage(cf, []v1.Descriptor{l.desc}, names)
	}()
	if err != nil {
		t.rollback()
		return nil, err
	}
	return img, nil
}

// ImportDir is Import from a directory tree instead of a tarball.
func (s *Store) ImportDir(dir string, ref string, opts ImportOptions) (*Image, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTree(pw, dir)) }()
	defer pr.CloseWithError(io.ErrClosedPipe) // unblocks the writer if Import stopped early
	if opts.Source == "" {
		opts.Source = "importing " + dir
	}
	return s.Import(pr, ref, opts)
}

// tagRef normalizes a reference that is to name an image: it must be a
// name with a tag, not a digest.
func tagRef(ref string) (string, error) {
	full, err := NormalizeRef(ref)
	if err != nil {
		return "", err
	}
	if _, tag := SplitRef(full); len(tag) > 7 && tag[:7] == "sha256:" {
		return "", fmt.Errorf("refusing to create a tag with a digest reference %q: %w", ref, errdefs.ErrInvalid)
	}
	return full, nil
}

// commitImage writes cf and a manifest of layers (blobs already stored),
// then names the manifest in index.json with names (untagged if none).
func (t *txn) commitImage(cf *v1.ConfigFile, layers []v1.Descriptor, names []string) (*Image, error) {
	cfg, err := json.Marshal(cf)
	if err != nil {
		return nil, err
	}
	ch, err := t.writeBytes(cfg, "image config")
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: ch, Size: int64(len(cfg))},
		Layers:        ociLayers(layers),
	}
	if m.Layers == nil {
		m.Layers = []v1.Descriptor{}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return t.addManifest(raw, names)
}

// addManifest stores a manifest whose config and layers are stored already,
// and names it.
func (t *txn) addManifest(raw []byte, names []string) (*Image, error) {
	desc, img, err := t.storeManifest(raw)
	if err != nil {
		return nil, err
	}
	if err := t.s.name(namedDesc{desc, names}); err != nil {
		return nil, err
	}
	img.Names = append(img.Names, names...)
	return img, nil
}

// storeManifest stores a manifest whose config and layers are stored
// already, checking that they are there and consistent.
func (t *txn) storeManifest(raw []byte) (v1.Descriptor, *Image, error) {
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return v1.Descriptor{}, nil, fmt.Errorf("image manifest: %v: %w", err, errdefs.ErrInvalid)
	}
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	mh, err := t.writeBytes(raw, "image manifest")
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	img, err := t.s.loadImage(mh)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	return v1.Descriptor{MediaType: mt, Digest: mh, Size: int64(len(raw))}, img, nil
}

// namedDesc is a manifest and the names it is to have.
type namedDesc struct {
	desc  v1.Descriptor
	names []string
}

// name gives manifests names in index.json (one write for all), moving
// each name from whatever image had it. An image that loses its last name
// stays, untagged (docker's dangling <none> image); a manifest without
// names is added untagged unless already present.
func (s *Store) name(nds ...namedDesc) error {
	im, err := s.readIndex()
	if err != nil {
		return err
	}
	taken := map[string]bool{}
	for _, nd := range nds {
		for _, n := range nd.names {
			taken[n] = true
		}
	}
	var out []v1.Descriptor
	for _, d := range im.Manifests {
		if n := d.Annotations[AnnotationRefName]; n != "" && taken[n] {
			d.Annotations = nil // moved away: untagged unless it has other names
		}
		out = append(out, d)
	}
	for _, nd := range nds {
		d := nd.desc
		d.Annotations = nil
		out = append(out, d) // dropped by dedupUntagged if named
		for _, n := range nd.names {
			d.Annotations = map[string]string{AnnotationRefName: n}
			out = append(out, d)
		}
	}
	im.Manifests = dedupUntagged(out)
	return s.writeIndex(im)
}

// dedupUntagged keeps an unnamed descriptor only for a manifest that has
// no named one, once.
func dedupUntagged(ds []v1.Descriptor) []v1.Descriptor {
	named := map[v1.Hash]bool{}
	for _, d := range ds {
		if d.Annotations[AnnotationRefName] != "" {
			named[d.Digest] = true
		}
	}
	var out []v1.Descriptor
	seen := map[v1.Hash]bool{}
	for _, d := range ds {
		if d.Annotations[AnnotationRefName] == "" {
			if named[d.Digest] || seen[d.Digest] {
				continue
			}
			seen[d.Digest] = true
			d.Annotations = nil
		}
		out = append(out, d)
	}
	return out
}

func toV1Config(c ImageConfig) v1.Config {
	return v1.Config{User: c.User, Env: c.Env, Entrypoint: c.Entrypoint, Cmd: c.Cmd,
		WorkingDir: c.WorkingDir, Labels: c.Labels, ExposedPorts: c.ExposedPorts,
		Volumes: c.Volumes, StopSignal: c.StopSignal, Shell: c.Shell, OnBuild: c.OnBuild}
}

func fromV1Config(c v1.Config) ImageConfig {
	return ImageConfig{User: c.User, Env: c.Env, Entrypoint: c.Entrypoint, Cmd: c.Cmd,
		WorkingDir: c.WorkingDir, Labels: c.Labels, ExposedPorts: c.ExposedPorts,
		Volumes: c.Volumes, StopSignal: c.StopSignal, Shell: c.Shell, OnBuild: c.OnBuild}
}
