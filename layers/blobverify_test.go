package layers

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berthdev/berth/internal/errdefs"
)

// Blob verification: a blob is kept only when its bytes match its digest
// and size and its content matches the diff ID its config names; each test
// below makes exactly one of those checks the one that must refuse, after
// an earlier blob of the same operation was committed (so that the
// rollback is needed too).

func sha(data []byte) v1.Hash {
	sum := sha256.Sum256(data)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// regzipped is data gzipped with another header (its mtime field), so its
// bytes and digest differ while its content and length are the same.
func regzipped(gz []byte) []byte {
	out := append([]byte{}, gz...)
	out[4] ^= 0x01
	return out
}

// archLayer is one layer of a test archive: the bytes stored, the digest
// and size its descriptor claims, and the diff ID the config claims.
type archLayer struct {
	stored []byte
	digest v1.Hash
	size   int64
	diffID v1.Hash
}

// goodLayer is a layer whose descriptor and diff ID tell the truth.
func goodLayer(t *testing.T, entries ...entry) archLayer {
	tb := makeTar(t, entries...)
	gz := gzipped(tb)
	return archLayer{stored: gz, digest: sha(gz), size: int64(len(gz)), diffID: sha(tb)}
}

// tarFiles is a tarball of regular files, in order.
func tarFiles(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f[1])), ModTime: testTime}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f[1]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ociArchive is an oci-archive of one image named app:v1 with layers.
func ociArchive(t *testing.T, layers ...archLayer) []byte {
	t.Helper()
	cf := v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers"}}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Layers: []v1.Descriptor{}}
	var files [][2]string
	for _, l := range layers {
		cf.RootFS.DiffIDs = append(cf.RootFS.DiffIDs, l.diffID)
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.OCILayer, Digest: l.digest, Size: l.size})
		files = append(files, [2]string{"blobs/sha256/" + l.digest.Hex, string(l.stored)})
	}
	cfg, _ := json.Marshal(cf)
	m.Config = v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: sha(cfg), Size: int64(len(cfg))}
	raw, _ := json.Marshal(m)
	idx, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, Manifests: []v1.Descriptor{{
		MediaType: types.OCIManifestSchema1, Digest: sha(raw), Size: int64(len(raw)),
		Annotations: map[string]string{AnnotationRefName: "docker.io/library/app:v1"},
	}}})
	files = append(files,
		[2]string{"oci-layout", `{"imageLayoutVersion":"1.0.0"}`},
		[2]string{"index.json", string(idx)},
		[2]string{"blobs/sha256/" + sha(cfg).Hex, string(cfg)},
		[2]string{"blobs/sha256/" + sha(raw).Hex, string(raw)})
	return tarFiles(t, files...)
}

// dockerArchive is a docker-archive of one image app:v1 whose layer files
// hold the given bytes (plain tar or compressed) and whose config names
// diffIDs.
func dockerArchive(t *testing.T, layers [][]byte, diffIDs []v1.Hash) []byte {
	t.Helper()
	cfg, _ := json.Marshal(v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers", DiffIDs: diffIDs}})
	files := [][2]string{{"config.json", string(cfg)}}
	var names []string
	for i, l := range layers {
		n := "layer" + string(rune('0'+i)) + ".tar"
		names = append(names, n)
		files = append(files, [2]string{n, string(l)})
	}
	man, _ := json.Marshal([]dockerManifest{{Config: "config.json", RepoTags: []string{"app:v1"}, Layers: names}})
	return tarFiles(t, append(files, [2]string{"manifest.json", string(man)})...)
}

// refused checks that err is a one-line ErrInvalid saying words and that
// the store is as it was: no blob (not even the ones committed before the
// bad one), no name, nothing in ingest/.
func refused(t *testing.T, s *Store, before string, err error, words string) {
	t.Helper()
	if !errdefs.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), words) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line of ErrInvalid saying %q", err, words)
	}
	if after := storeState(t, s); after != before {
		t.Fatalf("store changed:\n%s\nwas\n%s", after, before)
	}
}

func TestWriteBlobVerifiesDigestAndSize(t *testing.T) {
	data := []byte("the blob's bytes")
	for _, tt := range []struct {
		name   string
		digest v1.Hash
		size   int64
		words  string
	}{
		{"other bytes than the digest", sha([]byte("other bytes")), int64(len(data)), "digest"},
		{"size too small", sha(data), int64(len(data)) - 1, "size"},
		{"size too large", sha(data), int64(len(data)) + 1, "size"},
		{"no digest, wrong size", v1.Hash{}, 0, "size"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			before := storeState(t, s)
			_, _, err := (&txn{s: s}).writeBlob(bytes.NewReader(data), tt.digest, tt.size, "blob")
			refused(t, s, before, err, tt.words)
		})
	}
	s := newStore(t)
	tx := &txn{s: s}
	h, n, err := tx.writeBlob(bytes.NewReader(data), sha(data), int64(len(data)), "blob")
	if err != nil || h != sha(data) || n != int64(len(data)) {
		t.Fatalf("writeBlob of matching bytes = %v, %d, %v", h, n, err)
	}
	if got, err := os.ReadFile(s.blobPath(h)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored blob = %q, %v", got, err)
	}
	// Unchecked (no digest, size -1) is stored under the digest it has.
	h2, _, err := tx.writeBlob(strings.NewReader("unchecked"), v1.Hash{}, -1, "blob")
	if err != nil || h2 != sha([]byte("unchecked")) {
		t.Fatalf("writeBlob unchecked = %v, %v", h2, err)
	}
	if len(tx.added) != 2 {
		t.Fatalf("transaction records %d blobs, want 2", len(tx.added))
	}
	tx.rollback()
	for _, h := range []v1.Hash{h, h2} {
		if _, err := os.Stat(s.blobPath(h)); !os.IsNotExist(err) {
			t.Errorf("blob %s after rollback: %v", h, err)
		}
	}
}

func TestLoadRefusesBlobNotMatchingDigest(t *testing.T) {
	s := newStore(t)
	bad := goodLayer(t, reg("b", "second"))
	bad.stored = regzipped(bad.stored) // same content and length, other bytes
	before := storeState(t, s)
	_, err := s.Load(bytes.NewReader(ociArchive(t, goodLayer(t, reg("a", "first")), bad)))
	refused(t, s, before, err, "digest")
}

func TestLoadRefusesWrongSize(t *testing.T) {
	s := newStore(t)
	bad := goodLayer(t, reg("b", "second"))
	bad.size++ // the descriptor lies about the size only
	before := storeState(t, s)
	_, err := s.Load(bytes.NewReader(ociArchive(t, goodLayer(t, reg("a", "first")), bad)))
	refused(t, s, before, err, "size")
}

func TestLoadRefusesWrongDiffID(t *testing.T) {
	first, second := makeTar(t, reg("a", "first")), makeTar(t, reg("b", "second"))
	other := sha(makeTar(t, reg("b", "not what the layer holds")))
	for _, tt := range []struct {
		name    string
		archive func() []byte
	}{
		{"oci-archive", func() []byte {
			bad := goodLayer(t, reg("b", "second"))
			bad.diffID = other
			return ociArchive(t, goodLayer(t, reg("a", "first")), bad)
		}},
		{"docker-archive, plain tar", func() []byte {
			return dockerArchive(t, [][]byte{first, second}, []v1.Hash{sha(first), other})
		}},
		{"docker-archive, gzipped", func() []byte {
			return dockerArchive(t, [][]byte{gzipped(first), gzipped(second)}, []v1.Hash{sha(first), other})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			before := storeState(t, s)
			_, err := s.Load(bytes.NewReader(tt.archive()))
			refused(t, s, before, err, "diff ID")
		})
	}
}

// The archives above are refused for one lie each: told the truth, the
// same builders load.
func TestLoadOfTruthfulArchives(t *testing.T) {
	first, second := makeTar(t, reg("a", "first")), makeTar(t, reg("b", "second"))
	for name, archive := range map[string][]byte{
		"oci-archive":               ociArchive(t, goodLayer(t, reg("a", "first")), goodLayer(t, reg("b", "second"))),
		"docker-archive, plain tar": dockerArchive(t, [][]byte{first, second}, []v1.Hash{sha(first), sha(second)}),
		"docker-archive, gzipped":   dockerArchive(t, [][]byte{gzipped(first), gzipped(second)}, []v1.Hash{sha(first), sha(second)}),
	} {
		s := newStore(t)
		loaded, err := s.Load(bytes.NewReader(archive))
		if err != nil || len(loaded) != 1 || loaded[0] != "app:v1" {
			t.Fatalf("Load(%s) = %q, %v", name, loaded, err)
		}
		assertBlobsCommitted(t, s)
	}
}

// assertBlobsCommitted checks every blob of the store: read-only, and
// named by the digest of its bytes.
func assertBlobsCommitted(t *testing.T, s *Store) {
	t.Helper()
	dir := filepath.Join(s.oci, "blobs", "sha256")
	names := readDirNames(dir)
	if len(names) == 0 {
		t.Fatal("no blobs stored")
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o444 {
			t.Errorf("blob %s: mode %v, want a read-only (0444) regular file", n, fi.Mode())
		}
		data, err := os.ReadFile(p)
		if err != nil || sha(data).Hex != n {
			t.Errorf("blob %s holds bytes of digest %s (%v)", n, sha(data).Hex, err)
		}
	}
	if entries, _ := os.ReadDir(s.ingest); len(entries) != 0 {
		t.Errorf("ingest/ keeps %d entries", len(entries))
	}
}

func TestCommittedBlobsAreReadOnly(t *testing.T) {
	s := newStore(t)
	mustImport(t, s, makeTar(t, reg("f", "imported")), "imported:v1")
	assertBlobsCommitted(t, s)

	reg := newTestRegistry(t)
	pushRandom(t, reg.host(), "app:v1", 2)
	if _, err := pull(s, reg.host()+"/app:v1"); err != nil {
		t.Fatalf("pull = %v", err)
	}
	assertBlobsCommitted(t, s)
}

// unpack checks the layer's content against its diff ID: a blob that was
// changed on disk after it was stored is not unpacked.
func TestUnpackRefusesContentNotMatchingDiffID(t *testing.T) {
	s := newStore(t)
	img := mustImport(t, s, makeTar(t, reg("f", "stored")), "app:v1")
	blob := s.blobPath(v1.Hash{Algorithm: "sha256", Hex: strings.TrimPrefix(img.Layers[0].Digest, "sha256:")})
	if err := os.Chmod(blob, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blob, gzipped(makeTar(t, reg("f", "swapped"))), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.LowerDirs(img)
	if !errdefs.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "diff ID") {
		t.Fatalf("LowerDirs over a changed blob = %v, want ErrInvalid about the diff ID", err)
	}
	if names := readDirNames(s.snapshots); len(names) != 0 {
		t.Fatalf("snapshots/ after the refusal: %q", names)
	}
}
