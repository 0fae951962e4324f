package layers

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berthdev/berth/internal/errdefs"
)

// Load reads a docker-archive or an oci-archive (possibly compressed) from
// r, which may be a pipe, and stores every image in it with its names. It
// returns what it loaded: familiar names ("busybox:latest"), or the image
// ID ("sha256:...") of an untagged image. A bad archive fails with
// ErrInvalid and leaves the store as it was. It is Spool, then
// Archive.Load.
func (s *Store) Load(r io.Reader) ([]string, error) {
	a, err := s.Spool(r)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return a.Load()
}

// Archive is an image archive unpacked into the store's ingest directory
// and not yet stored.
type Archive struct {
	s    *Store
	dir  string
	hold *os.File // the spool's flock (tmpentry.go)
}

// Spool reads a docker-archive or an oci-archive from r into the store's
// ingest directory. It changes nothing the store shows, so it needs no
// lock: a caller that locks the store for Load spools first, and the
// writer of a pipe (`berth save | berth load`) never waits for that lock.
func (s *Store) Spool(r io.Reader) (*Archive, error) {
	spool, err := os.MkdirTemp(s.ingest, "load-")
	if err != nil {
		return nil, err
	}
	hold, err := holdDir(spool)
	if err != nil {
		os.RemoveAll(spool)
		return nil, err
	}
	if err := s.spoolArchive(r, spool); err != nil {
		os.RemoveAll(spool)
		hold.Close()
		return nil, fmt.Errorf("loading archive: %w", err)
	}
	return &Archive{s: s, dir: spool, hold: hold}, nil
}

// Close removes the spooled archive.
func (a *Archive) Close() error {
	err := os.RemoveAll(a.dir)
	if a.hold != nil {
		a.hold.Close()
	}
	return err
}

// Load stores every image of the archive with its names (see Store.Load).
func (a *Archive) Load() ([]string, error) {
	s, spool := a.s, a.dir
	var err error
	t := &txn{s: s, listFiles: true}
	var pending []namedDesc
	var loaded []string
	var load func(string, *txn) ([]namedDesc, error)
	switch {
	case exists(filepath.Join(spool, "index.json")) && exists(filepath.Join(spool, "oci-layout")):
		load = s.loadOCI
	case exists(filepath.Join(spool, "manifest.json")):
		load = s.loadDocker
	default:
		return nil, fmt.Errorf("loading archive: neither a docker-archive (manifest.json) nor an oci-archive (index.json): %w", errdefs.ErrInvalid)
	}
	if pending, err = load(spool, t); err == nil {
		err = s.name(pending...)
	}
	if err != nil {
		t.rollback()
		return nil, fmt.Errorf("loading archive: %w", err)
	}
	for _, nd := range pending {
		if len(nd.names) == 0 {
			img, err := s.loadImage(nd.desc.Digest)
			if err != nil {
				return nil, err
			}
			loaded = append(loaded, img.ID)
		}
		for _, n := range nd.names {
			loaded = append(loaded, FamiliarName(n))
		}
	}
	return loaded, nil
}

// spoolArchive unpacks the archive's regular files into dir, so they can be
// read in any order. Only plain files and directories are accepted, and
// are written by an unpacker confined to dir; each member is bounded by
// the per-layer size limit, a compressed archive by the expansion limit,
// and a sparse member is refused.
func (s *Store) spoolArchive(r io.Reader, dir string) error {
	src, closeSrc, err := s.decompressBounded(r, 0)
	if err != nil {
		return err
	}
	defer closeSrc()
	u, err := newUnpacker(dir, modeFiles)
	if err != nil {
		return err
	}
	defer u.Close()
	tr := tar.NewReader(src)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if n == 0 {
				return fmt.Errorf("empty archive: %w", errdefs.ErrInvalid)
			}
			return nil
		}
		if err != nil {
			return invalidIfCorrupt(err)
		}
		if err := u.spool(hdr, tr, s.limits.MaxSize); err != nil {
			return fmt.Errorf("archive entry %q: %w", hdr.Name, invalidIfCorrupt(err))
		}
	}
}

// loadOCI stores the images of an unpacked OCI layout.
func (s *Store) loadOCI(dir string, t *txn) ([]namedDesc, error) {
	var index v1.IndexManifest
	if err := readSpoolJSON(dir, "index.json", &index); err != nil {
		return nil, err
	}
	var out []namedDesc
	for _, d := range index.Manifests {
		desc, err := s.loadOCIManifest(dir, d, t)
		if err != nil {
			return nil, err
		}
		var names []string
		if n := d.Annotations[AnnotationContainerd]; n != "" {
			names = append(names, n)
		} else if n := d.Annotations[AnnotationRefName]; strings.ContainsAny(n, ":/@") {
			names = append(names, n) // a bare tag ("latest") names nothing by itself
		}
		for i, n := range names {
			if names[i], err = tagRef(n); err != nil {
				return nil, err
			}
		}
		out = append(out, namedDesc{desc, names})
	}
	return out, nil
}

// loadOCIManifest stores one manifest (picking this platform's from an
// index) with its config and layers, all verified against their
// descriptors.
func (s *Store) loadOCIManifest(dir string, d v1.Descriptor, t *txn) (v1.Descriptor, error) {
	raw, err := readSpoolBlob(dir, d)
	if err != nil {
		return d, err
	}
	if d.MediaType.IsIndex() {
		var idx v1.IndexManifest
		if err := json.Unmarshal(raw, &idx); err != nil || len(idx.Manifests) == 0 {
			return d, fmt.Errorf("image index %s: %w", d.Digest, errdefs.ErrInvalid)
		}
		pick := idx.Manifests[0]
		for _, m := range idx.Manifests {
			if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == runtime.GOARCH {
				pick = m
				break
			}
		}
		return s.loadOCIManifest(dir, pick, t)
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return d, fmt.Errorf("manifest %s: %v: %w", d.Digest, err, errdefs.ErrInvalid)
	}
	cfgRaw, err := readSpoolBlob(dir, m.Config)
	if err != nil {
		return d, err
	}
	var cf v1.ConfigFile
	if err := json.Unmarshal(cfgRaw, &cf); err != nil || len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return d, fmt.Errorf("image config %s: does not match its manifest: %w", m.Config.Digest, errdefs.ErrInvalid)
	}
	for i, l := range m.Layers {
		p := filepath.Join(dir, "blobs", l.Digest.Algorithm, l.Digest.Hex)
		if _, err := t.addLayerFile(p, l.Digest, l.Size, cf.RootFS.DiffIDs[i]); err != nil {
			return d, err
		}
	}
	if _, err := t.writeBytes(cfgRaw, "image config"); err != nil {
		return d, err
	}
	desc, _, err := t.storeManifest(raw)
	return desc, err
}

// loadDocker stores the images of an unpacked docker-archive.
func (s *Store) loadDocker(dir string, t *txn) ([]namedDesc, error) {
	var manifest []dockerManifest
	if err := readSpoolJSON(dir, "manifest.json", &manifest); err != nil {
		return nil, err
	}
	var out []namedDesc
	for _, dm := range manifest {
		cfgRaw, err := readSpoolFile(dir, dm.Config)
		if err != nil {
			return nil, err
		}
		var cf v1.ConfigFile
		if err := json.Unmarshal(cfgRaw, &cf); err != nil || len(cf.RootFS.DiffIDs) != len(dm.Layers) {
			return nil, fmt.Errorf("image config %s: does not match manifest.json: %w", dm.Config, errdefs.ErrInvalid)
		}
		var layers []v1.Descriptor
		for i, name := range dm.Layers {
			p, err := spoolPath(dir, name)
			if err != nil {
				return nil, err
			}
			desc, err := t.addLayerFile(p, v1.Hash{}, -1, cf.RootFS.DiffIDs[i])
			if err != nil {
				return nil, err
			}
			layers = append(layers, desc)
		}
		var names []string
		for _, tag := range dm.RepoTags {
			full, err := tagRef(tag)
			if err != nil {
				return nil, err
			}
			names = append(names, full)
		}
		ch, err := t.writeBytes(cfgRaw, "image config "+dm.Config)
		if err != nil {
			return nil, err
		}
		m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
			Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: ch, Size: int64(len(cfgRaw))}, Layers: layers}
		if m.Layers == nil {
			m.Layers = []v1.Descriptor{}
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		desc, _, err := t.storeManifest(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, namedDesc{desc, names})
	}
	return out, nil
}

// addLayerFile stores a spooled layer file after checking its tar content
// and its diff ID (and, when given, its digest and size). A compressed
// layer is kept as it is (the spooled file renamed in); an uncompressed
// one is stored gzipped. A file named again (images sharing a layer) is
// the one already stored, held to the new descriptor and diff ID.
func (t *txn) addLayerFile(p string, digest v1.Hash, size int64, diffID v1.Hash) (v1.Descriptor, error) {
	what := "layer " + filepath.Base(p)
	if done, ok := t.spooled[p]; ok {
		switch {
		case done.diffID != diffID:
			return v1.Descriptor{}, fmt.Errorf("%s: content digest %s, expected diff ID %s: %w", what, done.diffID, diffID, errdefs.ErrInvalid)
		case size >= 0 && done.desc.Size != size:
			return v1.Descriptor{}, fmt.Errorf("%s: size %d, expected %d: %w", what, done.desc.Size, size, errdefs.ErrInvalid)
		case digest != (v1.Hash{}) && done.desc.Digest != digest:
			return v1.Descriptor{}, fmt.Errorf("%s: digest %s, expected %s: %w", what, done.desc.Digest, digest, errdefs.ErrInvalid)
		}
		return done.desc, nil
	}
	desc, err := t.storeLayerFile(p, what, digest, size, diffID)
	if err == nil {
		if t.spooled == nil {
			t.spooled = map[string]spooledLayer{}
		}
		t.spooled[p] = spooledLayer{desc, diffID}
	}
	return desc, err
}

// spooledLayer is a spooled layer file addLayerFile stored.
type spooledLayer struct {
	desc   v1.Descriptor
	diffID v1.Hash
}

func (t *txn) storeLayerFile(p, what string, digest v1.Hash, size int64, diffID v1.Hash) (v1.Descriptor, error) {
	f, err := os.Open(p)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: missing from the archive: %w", what, errdefs.ErrInvalid)
	}
	defer f.Close()
	magic, _ := bufio.NewReader(f).Peek(4)
	f.Seek(0, io.SeekStart)
	compressed := bytes.HasPrefix(magic, []byte{0x1f, 0x8b}) || bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd})
	if !compressed && digest == (v1.Hash{}) {
		l, err := t.writeLayer(f, what)
		if err == nil && l.diffID != diffID {
			err = fmt.Errorf("%s: content digest %s, expected diff ID %s: %w", what, l.diffID, diffID, errdefs.ErrInvalid)
		}
		if err != nil {
			return v1.Descriptor{}, err
		}
		return l.desc, nil
	}
	fi, err := f.Stat()
	if err != nil {
		return v1.Descriptor{}, err
	}
	fsize := fi.Size()
	// The blob is the spooled file itself: its digest is taken (by pread,
	// on the other core) while the same file is decompressed, checked and
	// listed, and once both agree with the descriptor and the diff ID it
	// is made read-only, fsynced and renamed in as writeBlob's copy would
	// be, without writing and reading the layer a second time.
	type blobSum struct {
		h   v1.Hash
		n   int64
		err error
	}
	sum := make(chan blobSum, 1)
	go func() {
		h := sha256.New()
		n, err := io.Copy(h, io.NewSectionReader(f, 0, fsize))
		sum <- blobSum{v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, n, err}
	}()
	r, closeR, err := t.s.decompressBounded(f, fsize)
	if err != nil {
		<-sum
		return v1.Descriptor{}, fmt.Errorf("%s: %w", what, err)
	}
	h, n := sha256.New(), &countWriter{}
	tee := io.TeeReader(r, io.MultiWriter(h, n))
	fl := newFileLister(0, false)
	err = checkTar(tee, fl)
	closeR()
	blob := <-sum
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", what, invalidIfCorrupt(err))
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != diffID.String() {
		return v1.Descriptor{}, fmt.Errorf("%s: content digest %s, expected diff ID %s: %w", what, got, diffID, errdefs.ErrInvalid)
	}
	if blob.err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s: %w", what, blob.err)
	}
	dh, dn := blob.h, blob.n
	want := size
	if want < 0 {
		want = fsize
	}
	if dn != want || dn != fsize {
		return v1.Descriptor{}, fmt.Errorf("%s: size %d, expected %d: %w", what, dn, want, errdefs.ErrInvalid)
	}
	if digest != (v1.Hash{}) && dh != digest {
		return v1.Descriptor{}, fmt.Errorf("%s: digest %s, expected %s: %w", what, dh, digest, errdefs.ErrInvalid)
	}
	if err := t.commit(f, dh); err != nil {
		return v1.Descriptor{}, err
	}
	mt := types.OCILayer
	switch {
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		mt = types.OCILayerZStd
	case !compressed:
		mt = types.OCIUncompressedLayer
	}
	if err := t.recordDiffSize(diffID, n.n); err != nil {
		return v1.Descriptor{}, err
	}
	t.cacheFiles(diffID, fl.files())
	return v1.Descriptor{MediaType: mt, Digest: dh, Size: dn}, nil
}

// spoolPath is an archive member's path in the spool directory.
func spoolPath(dir, name string) (string, error) {
	c, err := cleanName(name)
	if err != nil {
		return "", fmt.Errorf("archive member %q: %v: %w", name, err, errdefs.ErrInvalid)
	}
	return filepath.Join(dir, c), nil
}

// readSpoolFile reads a small archive member (a config, a manifest).
func readSpoolFile(dir, name string) ([]byte, error) {
	p, err := spoolPath(dir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("archive member %q: missing: %w", name, errdefs.ErrInvalid)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<20))
	return data, err
}

func readSpoolJSON(dir, name string, v any) error {
	data, err := readSpoolFile(dir, name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %v: %w", name, err, errdefs.ErrInvalid)
	}
	return nil
}

// readSpoolBlob reads a small blob of an unpacked OCI layout and checks it
// against its descriptor.
func readSpoolBlob(dir string, d v1.Descriptor) ([]byte, error) {
	data, err := readSpoolFile(dir, filepath.Join("blobs", d.Digest.Algorithm, d.Digest.Hex))
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); int64(len(data)) != d.Size || hex.EncodeToString(sum[:]) != d.Digest.Hex {
		return nil, fmt.Errorf("blob %s: content does not match its descriptor: %w", d.Digest, errdefs.ErrInvalid)
	}
	return data, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
