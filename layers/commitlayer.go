package layers

import (
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/errdefs"
)

// CommitOptions describe the image AppendLayer makes.
type CommitOptions struct {
	Config    ImageConfig // the new image's runtime config
	Author    string
	Comment   string // the history entry's comment (docker commit -m)
	CreatedBy string // the history entry's command
}

// AppendLayer stores the layer tarball r (plain or compressed, checked as
// Import checks it) on top of base's layers as a new image, named ref
// unless ref is empty, as docker commit does. base's config is kept,
// except the runtime part, which is opts.Config. A failure leaves the
// store as it was.
func (s *Store) AppendLayer(base *Image, r io.Reader, ref string, opts CommitOptions) (*Image, error) {
	var names []string
	if ref != "" {
		full, err := tagRef(ref)
		if err != nil {
			return nil, err
		}
		names = []string{full}
	}
	mh, err := v1.NewHash(base.Digest)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", base.ID, errdefs.ErrInvalid)
	}
	var m v1.Manifest
	if _, err := s.readJSONBlob(mh, &m); err != nil {
		return nil, err
	}
	var cf v1.ConfigFile
	if _, err := s.readJSONBlob(m.Config.Digest, &cf); err != nil {
		return nil, err
	}
	t := &txn{s: s}
	img, err := func() (*Image, error) {
		l, err := t.writeLayer(r, "committing layer")
		if err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		cf.Created = v1.Time{Time: now}
		cf.Author = opts.Author
		cf.Config = toV1Config(opts.Config)
		cf.RootFS.Type = "layers"
		cf.RootFS.DiffIDs = append(cf.RootFS.DiffIDs, l.diffID)
		cf.History = append(cf.History, v1.History{Created: v1.Time{Time: now}, CreatedBy: opts.CreatedBy,
			Author: opts.Author, Comment: opts.Comment})
		return t.commitImage(&cf, append(append([]v1.Descriptor{}, m.Layers...), l.desc), names)
	}()
	if err != nil {
		t.rollback()
		return nil, err
	}
	return img, nil
}
