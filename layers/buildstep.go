package layers

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/errdefs"
)

// Healthcheck is an image's HEALTHCHECK, as docker stores it.
type Healthcheck struct {
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	Retries     int
}

// BuildStepOptions describe the image one build step makes.
type BuildStepOptions struct {
	Config      ImageConfig  // the new image's runtime config
	Healthcheck *Healthcheck // nil keeps the parent's
	CreatedBy   string       // the history entry's command ("RUN /bin/sh -c make")
	Comment     string
	Ref         string // names the new image when not empty
}

// AppendStep stores one build step as an untagged image (named opts.Ref
// if set): base's layers (none when base is nil, as FROM scratch) plus
// the layer tarball r, or no layer and an empty-layer history entry when
// r is nil. A failure leaves the store as it was.
func (s *Store) AppendStep(base *Image, r io.Reader, opts BuildStepOptions) (*Image, error) {
	var names []string
	if opts.Ref != "" {
		full, err := tagRef(opts.Ref)
		if err != nil {
			return nil, err
		}
		names = []string{full}
	}
	var m v1.Manifest
	cf := v1.ConfigFile{Architecture: runtime.GOARCH, OS: "linux", RootFS: v1.RootFS{Type: "layers"}}
	if base != nil {
		mh, err := v1.NewHash(base.Digest)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", base.ID, errdefs.ErrInvalid)
		}
		if _, err := s.readJSONBlob(mh, &m); err != nil {
			return nil, err
		}
		if _, err := s.readJSONBlob(m.Config.Digest, &cf); err != nil {
			return nil, err
		}
	}
	t := &txn{s: s}
	img, err := func() (*Image, error) {
		now := time.Now().UTC()
		hc := cf.Config.Healthcheck
		cf.Created = v1.Time{Time: now}
		cf.Config = toV1Config(opts.Config)
		cf.Config.Healthcheck = hc
		if h := opts.Healthcheck; h != nil {
			cf.Config.Healthcheck = &v1.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
				StartPeriod: h.StartPeriod, Retries: h.Retries}
		}
		cf.RootFS.Type = "layers"
		h := v1.History{Created: v1.Time{Time: now}, CreatedBy: opts.CreatedBy, Comment: opts.Comment}
		layers := append([]v1.Descriptor{}, m.Layers...)
		if r == nil {
			h.EmptyLayer = true
		} else {
			l, err := t.writeLayer(r, "build step layer")
			if err != nil {
				return nil, err
			}
			cf.RootFS.DiffIDs = append(cf.RootFS.DiffIDs, l.diffID)
			layers = append(layers, l.desc)
		}
		cf.History = append(cf.History, h)
		return t.commitImage(&cf, layers, names)
	}()
	if err != nil {
		t.rollback()
		return nil, err
	}
	return img, nil
}

// ImageHealthcheck is img's HEALTHCHECK, nil when it has none.
func (s *Store) ImageHealthcheck(img *Image) (*Healthcheck, error) {
	mh, err := v1.NewHash(img.Digest)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", img.ID, errdefs.ErrInvalid)
	}
	var m v1.Manifest
	if _, err := s.readJSONBlob(mh, &m); err != nil {
		return nil, err
	}
	var cf v1.ConfigFile
	if _, err := s.readJSONBlob(m.Config.Digest, &cf); err != nil {
		return nil, err
	}
	h := cf.Config.Healthcheck
	if h == nil {
		return nil, nil
	}
	return &Healthcheck{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}, nil
}

// HasConfig reports whether the image config blob id ("sha256:<hex>") is
// stored: a cheap check that a cached build step's image still exists.
func (s *Store) HasConfig(id string) bool {
	h, err := v1.NewHash(id)
	if err != nil {
		return false
	}
	_, err = os.Stat(s.blobPath(h))
	return err == nil
}
