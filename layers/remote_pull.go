package layers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// Pulled is an image fetched from a registry into
// ingest/pull-<digest>-<random>/, every blob verified, waiting for
// CommitPull to make it visible. Until then the store is unchanged; an
// interrupted fetch leaves verified blobs there for the next one to reuse
// (Open drops them after an hour).
type Pulled struct {
	Ref      string // the reference as the store names it, "localhost:5000/app:v1"
	Name     string // the name to give the image: Ref, or "" for a pull by digest
	Digest   string // manifest digest
	Registry string // the registry's host[:port]
	dir      string // staging directory
	lock     *os.File
	// stagePrefix begins the staging directories of all pulls of this image
	stagePrefix string
	repo        name.Repository // where the blobs come from
	opts        RemoteOptions
	manifest    []byte
	config      []byte
	layers      []pulledLayer
}

type pulledLayer struct {
	desc     v1.Descriptor
	diffID   v1.Hash
	diffSize int64
	staged   bool // in dir, not yet in oci/
	idx      int  // place in the manifest (a blob may be listed twice)
	resumed  bool // from a dead pull's partial file
}

// Fetch downloads the image ref names (for an index, the manifest for
// opts.Platform) into ingest/, verifying each blob's digest and size, and
// each layer's diff ID, before it is kept. Blobs the store has already are
// not fetched. It takes no lock: CommitPull, under the store lock, makes
// the result visible.
func (s *Store) Fetch(ctx context.Context, ref string, opts RemoteOptions) (*Pulled, error) {
	r, err := ParseRemoteRef(ref, opts.Insecure)
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", ref, err)
	}
	p, err := s.fetch(ctx, r, opts)
	if err != nil {
		return nil, remoteError("pulling", r, err)
	}
	return p, nil
}

func (s *Store) fetch(ctx context.Context, r name.Reference, opts RemoteOptions) (_ *Pulled, err error) {
	ro, err := opts.remote(ctx)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(r, ro...)
	if err != nil {
		return nil, err
	}
	if !desc.MediaType.IsIndex() && !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("manifest type %q is not supported (only OCI and docker schema 2 images): %w", desc.MediaType, errdefs.ErrInvalid)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, err
	}
	p := &Pulled{Ref: refString(r), Registry: r.Context().RegistryStr(), repo: r.Context(), opts: opts}
	if _, byDigest := r.(name.Digest); !byDigest {
		p.Name = p.Ref
	}
	if p.manifest, err = img.RawManifest(); err != nil {
		return nil, err
	}
	mh, _, _ := v1.SHA256(strings.NewReader(string(p.manifest)))
	p.Digest = mh.String()
	m, err := v1.ParseManifest(strings.NewReader(string(p.manifest)))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %v: %w", mh, err, errdefs.ErrInvalid)
	}
	if p.config, err = img.RawConfigFile(); err != nil {
		return nil, err
	}
	if ch, _, _ := v1.SHA256(strings.NewReader(string(p.config))); ch != m.Config.Digest || int64(len(p.config)) != m.Config.Size {
		return nil, fmt.Errorf("image config: digest %s, expected %s: %w", ch, m.Config.Digest, errdefs.ErrInvalid)
	}
	var cf v1.ConfigFile
	if err := json.Unmarshal(p.config, &cf); err != nil || len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("image config %s: does not match its manifest: %w", m.Config.Digest, errdefs.ErrInvalid)
	}
	if err := s.newStaging(p, mh.Hex); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			p.Release()
		}
	}()
	rep := &reporter{fn: opts.Progress}
	p.layers = make([]pulledLayer, len(m.Layers))
	for i, l := range m.Layers {
		p.layers[i] = pulledLayer{desc: l, diffID: cf.RootFS.DiffIDs[i], idx: i}
		rep.report(Progress{ID: shortHex(l.Digest), Action: ProgressWaiting, Total: l.Size})
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	sem := make(chan struct{}, jobs)
	errs := make([]error, len(m.Layers))
	var wg sync.WaitGroup
	for i := range p.layers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			errs[i] = s.fetchLayer(ctx, img, p, &p.layers[i], rep)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// fetchLayer gets one layer blob into the staging directory, unless the
// store or the staging directory has it already. A blob resumed from a
// dead pull's partial file that turns out wrong is fetched once more whole.
func (s *Store) fetchLayer(ctx context.Context, img v1.Image, p *Pulled, pl *pulledLayer, rep *reporter) error {
	err := s.fetchLayerOnce(ctx, img, p, pl, rep)
	if err != nil && pl.resumed && errdefs.Is(err, errdefs.ErrInvalid) {
		pl.resumed = false
		return s.fetchLayerOnce(ctx, img, p, pl, rep)
	}
	return err
}

func (s *Store) fetchLayerOnce(ctx context.Context, img v1.Image, p *Pulled, pl *pulledLayer, rep *reporter) error {
	d := pl.desc
	id := shortHex(d.Digest)
	what := "layer " + d.Digest.String()
	if _, err := os.Stat(s.blobPath(d.Digest)); err == nil {
		n, err := s.diffSize(d, pl.diffID)
		pl.diffSize = n
		rep.report(Progress{ID: id, Action: ProgressExists, Current: d.Size, Total: d.Size})
		return err
	}
	staged := filepath.Join(p.dir, d.Digest.Hex)
	if n, ok := p.reuseStaged(d.Digest.Hex); ok {
		pl.diffSize, pl.staged = n, true
		rep.report(Progress{ID: id, Action: ProgressDownloaded, Current: d.Size, Total: d.Size})
		return nil
	}
	// What a dead pull had of this blob is kept, and only the rest asked for.
	f, have := p.adoptPartial(d.Digest.Hex, pl.idx)
	var rc io.ReadCloser
	var err error
	if f != nil && have < d.Size {
		if rc, err = blobRange(ctx, p.repo, d.Digest, have, d.Size, p.opts); err != nil {
			rc = nil
		}
		pl.resumed = rc != nil
	}
	if rc == nil {
		if f != nil {
			f.Close()
		}
		l, err := img.LayerByDigest(d.Digest)
		if err != nil {
			return err
		}
		if rc, err = l.Compressed(); err != nil {
			return err
		}
		if f, err = os.OpenFile(filepath.Join(p.dir, "part-"+d.Digest.Hex+"-"+strconv.Itoa(pl.idx)), os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600); err != nil {
			rc.Close()
			return err
		}
		have = 0
	}
	defer rc.Close()
	discard := false // bad content is not kept for a next pull to resume
	defer func() {
		f.Close()
		if discard {
			os.Remove(f.Name())
		}
	}()
	// The layer is decompressed as it arrives, to check its diff ID and
	// learn its uncompressed size.
	pr, pw := io.Pipe()
	type diffResult struct {
		h   v1.Hash
		n   int64
		err error
	}
	done := make(chan diffResult, 1)
	go func() {
		res := diffResult{}
		zr, closeZ, err := s.decompressBounded(pr, d.Size)
		if err == nil {
			hw := sha256.New()
			res.n, err = io.Copy(hw, zr)
			closeZ()
			res.h = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(hw.Sum(nil))}
			io.Copy(io.Discard, pr) // trailing bytes after the stream
		}
		res.err = err
		pr.CloseWithError(err)
		done <- res
	}()
	hw, prog := sha256.New(), &progressWriter{rep: rep, p: Progress{ID: id, Action: ProgressDownloading, Current: have, Total: d.Size}}
	n, err := int64(0), error(nil)
	if have > 0 { // the bytes kept go through the same checks first
		if _, err = f.Seek(0, io.SeekStart); err == nil {
			n, err = io.Copy(io.MultiWriter(hw, pw), io.LimitReader(f, have))
		}
	}
	if err == nil {
		var m int64
		m, err = io.Copy(io.MultiWriter(f, hw, pw, prog), rc)
		n += m
	}
	pw.CloseWithError(err)
	diff := <-done
	discard = !resumable(err)
	if err != nil && strings.Contains(err.Error(), "error verifying") {
		// go-containerregistry checks the digest too, at the end of the body.
		return fmt.Errorf("%s: registry sent content that does not match the digest: %w", what, errdefs.ErrInvalid)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(hw.Sum(nil))}
	switch {
	case n != d.Size:
		return fmt.Errorf("%s: size %d, expected %d: %w", what, n, d.Size, errdefs.ErrInvalid)
	case h != d.Digest:
		return fmt.Errorf("%s: registry sent content with digest %s: %w", what, h, errdefs.ErrInvalid)
	case diff.err != nil:
		return fmt.Errorf("%s: %w", what, invalidIfCorrupt(diff.err))
	case diff.h != pl.diffID:
		return fmt.Errorf("%s: content digest %s, expected diff ID %s: %w", what, diff.h, pl.diffID, errdefs.ErrInvalid)
	}
	if _, err := atomicfile.Commit(f, staged, 0o444); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(staged+".size", []byte(strconv.FormatInt(diff.n, 10)), 0o644); err != nil {
		return err
	}
	pl.diffSize, pl.staged = diff.n, true
	rep.report(Progress{ID: id, Action: ProgressDownloaded, Current: d.Size, Total: d.Size})
	return ctx.Err()
}

// progressWriter reports bytes as they pass, at most every 100 ms.
type progressWriter struct {
	rep  *reporter
	p    Progress
	last time.Time
}

func (w *progressWriter) Write(b []byte) (int, error) {
	w.p.Current += int64(len(b))
	if now := time.Now(); now.Sub(w.last) > 100*time.Millisecond || w.p.Current == w.p.Total {
		w.last = now
		w.rep.report(w.p)
	}
	return len(b), nil
}

// CommitPull makes a fetched image visible: its staged blobs are renamed
// into oci/blobs, its uncompressed layer sizes recorded, its config and
// manifest stored and its name given, then the staging directory goes.
// It reports whether the name already named this very image. The caller
// holds the store lock.
func (s *Store) CommitPull(p *Pulled) (*Image, bool, error) {
	upToDate := false
	if p.Name != "" {
		if img, err := s.Resolve(p.Name); err == nil && img.Digest == p.Digest {
			upToDate = true
		}
	}
	t := &txn{s: s}
	img, err := func() (*Image, error) {
		for _, l := range p.layers {
			if !l.staged || exists(s.blobPath(l.desc.Digest)) {
				continue
			}
			if err := os.Rename(filepath.Join(p.dir, l.desc.Digest.Hex), s.blobPath(l.desc.Digest)); err != nil {
				return nil, err
			}
			t.added = append(t.added, l.desc.Digest)
		}
		if err := atomicfile.SyncDir(filepath.Join(s.oci, "blobs", "sha256")); err != nil {
			return nil, err
		}
		for _, l := range p.layers {
			if err := t.recordDiffSize(l.diffID, l.diffSize); err != nil {
				return nil, err
			}
		}
		if _, err := t.writeBytes(p.config, "image config"); err != nil {
			return nil, err
		}
		var names []string
		if p.Name != "" {
			names = []string{p.Name}
		}
		return t.addManifest(p.manifest, names)
	}()
	if err != nil {
		t.rollback()
		p.Release()
		return nil, false, fmt.Errorf("pulling %s: %w", p.Ref, err)
	}
	p.finish()
	if err := s.RecordSource(Source{Ref: p.Ref, Digest: p.Digest, Action: "pull", Time: time.Now().UTC()}); err != nil {
		return img, upToDate, err
	}
	return img, upToDate, nil
}
