package layers

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berthdev/berth/internal/errdefs"
)

// Pushed is what Push sent.
type Pushed struct {
	Ref    string // the registry reference, as the store names references
	Tag    string // its tag ("latest"), or "" when pushed by digest
	Digest string // the manifest digest
	Size   int64  // the manifest's size in bytes (docker prints it)
}

// Push uploads the local image src to the registry reference dst (src when
// empty): blobs the registry has already are not sent again, and the
// manifest goes last. It takes no lock: blobs never change, and a
// concurrent removal fails the push rather than corrupting anything.
func (s *Store) Push(ctx context.Context, src, dst string, opts RemoteOptions) (*Pushed, error) {
	if dst == "" {
		dst = src
	}
	r, err := ParseRemoteRef(dst, opts.Insecure)
	if err != nil {
		return nil, fmt.Errorf("pushing %s: %w", dst, err)
	}
	local, err := s.Resolve(src)
	if err != nil {
		return nil, fmt.Errorf("pushing %s: %w", refString(r), err)
	}
	h, err := v1.NewHash(local.Digest)
	if err != nil {
		return nil, err
	}
	ii, err := layout.ImageIndexFromPath(s.oci)
	if err != nil {
		return nil, err
	}
	img, err := ii.Image(h)
	if err != nil {
		return nil, fmt.Errorf("pushing %s: image %s: %w", refString(r), local.Digest, err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	ro, err := opts.remote(ctx)
	if err != nil {
		return nil, err
	}
	pi := &progressImage{Image: img, rep: &reporter{fn: opts.Progress}, started: map[v1.Hash]bool{}}
	ls, err := img.Layers()
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		if d, err := l.Digest(); err == nil {
			sz, _ := l.Size()
			pi.rep.report(Progress{ID: shortHex(d), Action: ProgressWaiting, Total: sz})
		}
	}
	if err := remote.Write(r, pi, ro...); err != nil {
		return nil, remoteError("pushing", r, err)
	}
	for _, l := range ls { // layers whose content was never read were there already
		d, _ := l.Digest()
		sz, _ := l.Size()
		action := ProgressPushed
		if !pi.wasStarted(d) {
			action = ProgressRemoteHas
		}
		pi.rep.report(Progress{ID: shortHex(d), Action: action, Current: sz, Total: sz})
	}
	out := &Pushed{Ref: refString(r), Digest: local.Digest, Size: int64(len(raw))}
	if t, ok := r.(name.Tag); ok {
		out.Tag = t.TagStr()
	}
	return out, nil
}

// progressImage reports the upload of each layer as remote.Write reads it.
type progressImage struct {
	v1.Image
	rep     *reporter
	mu      sync.Mutex
	started map[v1.Hash]bool
}

func (p *progressImage) wasStarted(h v1.Hash) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started[h]
}

func (p *progressImage) Layers() ([]v1.Layer, error) {
	ls, err := p.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		out[i] = &progressLayer{Layer: l, img: p}
	}
	return out, nil
}

func (p *progressImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	l, err := p.Image.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	return &progressLayer{Layer: l, img: p}, nil
}

type progressLayer struct {
	v1.Layer
	img *progressImage
}

func (l *progressLayer) Compressed() (io.ReadCloser, error) {
	d, err := l.Digest()
	if err != nil {
		return nil, err
	}
	sz, err := l.Size()
	if err != nil {
		return nil, err
	}
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", d, errdefs.ErrNotFound)
	}
	l.img.mu.Lock()
	l.img.started[d] = true
	l.img.mu.Unlock()
	pw := &progressWriter{rep: l.img.rep, p: Progress{ID: shortHex(d), Action: ProgressPushing, Total: sz}, last: time.Now()}
	return struct {
		io.Reader
		io.Closer
	}{io.TeeReader(rc, pw), rc}, nil
}
