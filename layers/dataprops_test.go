package layers

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"
)

// platformImage is the blobs of one image for platform p, whose one layer
// holds the file "which" with body, and its manifest descriptor.
func platformImage(t *testing.T, p v1.Platform, body string) (v1.Descriptor, [][2]string) {
	t.Helper()
	l := goodLayer(t, reg("which", body))
	cf := v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, RootFS: v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{l.diffID}}}
	cfg, _ := json.Marshal(cf)
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: sha(cfg), Size: int64(len(cfg))},
		Layers: []v1.Descriptor{{MediaType: types.OCILayer, Digest: l.digest, Size: l.size}}}
	raw, _ := json.Marshal(m)
	return v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: sha(raw), Size: int64(len(raw)), Platform: &p},
		[][2]string{{"blobs/sha256/" + l.digest.Hex, string(l.stored)}, {"blobs/sha256/" + sha(cfg).Hex, string(cfg)}, {"blobs/sha256/" + sha(raw).Hex, string(raw)}}
}

// indexArchive is an oci-archive whose index.json names one image index
// (app:v1) of the given manifests.
func indexArchive(t *testing.T, inner []byte, files [][2]string) []byte {
	t.Helper()
	idx, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, Manifests: []v1.Descriptor{{
		MediaType: types.OCIImageIndex, Digest: sha(inner), Size: int64(len(inner)),
		Annotations: map[string]string{AnnotationRefName: "docker.io/library/app:v1"},
	}}})
	files = append(files,
		[2]string{"oci-layout", `{"imageLayoutVersion":"1.0.0"}`},
		[2]string{"index.json", string(idx)},
		[2]string{"blobs/sha256/" + sha(inner).Hex, string(inner)})
	return tarFiles(t, files...)
}

// An oci-archive of a multi-platform image loads the linux image of this
// machine's architecture: not another OS's of the same architecture, nor
// linux of another architecture, whichever comes first.
func TestLoadIndexPicksThisPlatform(t *testing.T) {
	other := "s390x"
	if runtime.GOARCH == other {
		other = "arm64"
	}
	var descs []v1.Descriptor
	var files [][2]string
	for _, c := range []struct {
		p    v1.Platform
		body string
	}{
		{v1.Platform{OS: "windows", Architecture: runtime.GOARCH}, "windows"},
		{v1.Platform{OS: "linux", Architecture: other}, "other-arch"},
		{v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, "mine"},
	} {
		d, f := platformImage(t, c.p, c.body)
		descs = append(descs, d)
		files = append(files, f...)
	}
	inner, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: descs})
	s := newStore(t)
	if _, err := s.Load(bytes.NewReader(indexArchive(t, inner, files))); err != nil {
		t.Fatalf("Load = %v", err)
	}
	img, err := s.Resolve("app:v1")
	if err != nil {
		t.Fatalf("Resolve(app:v1) = %v", err)
	}
	if img.Architecture != runtime.GOARCH || img.OS != "linux" {
		t.Fatalf("loaded %s/%s, want linux/%s", img.OS, img.Architecture, runtime.GOARCH)
	}
	dirs, err := s.LowerDirs(img)
	if err != nil {
		t.Fatalf("LowerDirs = %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dirs[0], "which")); err != nil || string(b) != "mine" {
		t.Fatalf("loaded image holds %q, %v; want this platform's \"mine\"", b, err)
	}
}

// An image index that is not JSON, or lists no manifest, is refused as
// invalid and the store is unchanged.
func TestLoadIndexRefusesEmptyOrBroken(t *testing.T) {
	for name, inner := range map[string][]byte{
		"empty":  []byte(`{"schemaVersion":2,"manifests":[]}`),
		"broken": []byte(`{"schemaVersion":2,"manifests":`),
	} {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			before := storeState(t, s)
			_, err := s.Load(bytes.NewReader(indexArchive(t, inner, nil)))
			refused(t, s, before, err, "image index")
		})
	}
}

// LowerDirs lists an image's snapshots top layer first (overlayfs's
// lowerdir order), so the upper layer's file hides the lower one's.
func TestLowerDirsTopLayerFirst(t *testing.T) {
	s := newStore(t)
	if _, err := s.Load(bytes.NewReader(ociArchive(t, goodLayer(t, reg("f", "bottom")), goodLayer(t, reg("f", "middle")), goodLayer(t, reg("f", "top"))))); err != nil {
		t.Fatalf("Load = %v", err)
	}
	img, err := s.Resolve("app:v1")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := s.LowerDirs(img)
	if err != nil || len(dirs) != 3 {
		t.Fatalf("LowerDirs = %v, %v; want 3 directories", dirs, err)
	}
	var got []string
	for _, d := range dirs {
		b, _ := os.ReadFile(filepath.Join(d, "f"))
		got = append(got, string(b))
	}
	if strings.Join(got, ",") != "top,middle,bottom" {
		t.Fatalf("LowerDirs order holds %v, want top,middle,bottom", got)
	}
}

// An image without layers gets one empty directory (overlay needs a
// lowerdir), the same one each time.
func TestLowerDirsEmptyImage(t *testing.T) {
	s := newStore(t)
	if _, err := s.Load(bytes.NewReader(ociArchive(t))); err != nil {
		t.Fatalf("Load = %v", err)
	}
	img, err := s.Resolve("app:v1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		dirs, err := s.LowerDirs(img)
		if err != nil || len(dirs) != 1 {
			t.Fatalf("LowerDirs (call %d) = %v, %v; want one directory", i, dirs, err)
		}
		if ents, err := os.ReadDir(dirs[0]); err != nil || len(ents) != 0 {
			t.Fatalf("LowerDirs (call %d) = %s holding %v, %v; want an empty directory", i, dirs[0], ents, err)
		}
	}
}

// Pulling an image its name already names reports it up to date (docker's
// "Image is up to date"); the first pull, or a name that named another
// image, does not.
func TestCommitPullReportsUpToDate(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	fetch := func(ref string) bool {
		t.Helper()
		p, err := s.Fetch(context.Background(), reg.host()+"/"+ref, RemoteOptions{Jobs: 1, Keychain: authn.NewMultiKeychain(), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("Fetch(%s) = %v", ref, err)
		}
		_, upToDate, err := s.CommitPull(p)
		if err != nil {
			t.Fatalf("CommitPull(%s) = %v", ref, err)
		}
		return upToDate
	}
	pushRandom(t, reg.host(), "app:v1", 1)
	if fetch("app:v1") {
		t.Errorf("first pull of app:v1 reported up to date")
	}
	if !fetch("app:v1") {
		t.Errorf("second pull of app:v1 did not report up to date")
	}
	pushRandom(t, reg.host(), "app:v1", 1) // another image under the name
	if fetch("app:v1") {
		t.Errorf("pull of a changed app:v1 reported up to date")
	}
}

// A pull that fails lets go of its staging directory (its flock), so the
// next pull of the image can adopt what it verified.
func TestFailedFetchReleasesStaging(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	img := pushRandom(t, reg.host(), "app:v1", 2)
	ls, _ := img.Layers()
	ld, _ := ls[1].Digest()
	reg.corrupt[ld.String()] = 100 // every GET of the second layer's blob sends other bytes
	if _, err := s.Fetch(context.Background(), reg.host()+"/app:v1", RemoteOptions{Jobs: 1, Keychain: authn.NewMultiKeychain(), Timeout: 5 * time.Second}); err == nil {
		t.Fatalf("Fetch of a corrupt blob succeeded")
	}
	locks, _ := filepath.Glob(filepath.Join(s.ingest, "pull-*", ".lock"))
	if len(locks) == 0 {
		t.Fatalf("no staging directory left in %s to check", s.ingest)
	}
	for _, l := range locks {
		f, err := os.Open(l)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			t.Errorf("staging %s still locked after the failed fetch: %v", filepath.Dir(l), err)
		}
		f.Close()
	}
}

// CommitPull reports a failure to record where the image came from (the
// image itself is committed).
func TestCommitPullReportsSourceFailure(t *testing.T) {
	s := newStore(t)
	reg := newTestRegistry(t)
	pushRandom(t, reg.host(), "app:v1", 1)
	p, err := s.Fetch(context.Background(), reg.host()+"/app:v1", RemoteOptions{Jobs: 1, Keychain: authn.NewMultiKeychain(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Fetch = %v", err)
	}
	os.RemoveAll(s.sourcesDir())
	if err := os.WriteFile(s.sourcesDir(), nil, 0o600); err != nil { // not a directory
		t.Fatal(err)
	}
	img, _, err := s.CommitPull(p)
	if err == nil || img == nil {
		t.Fatalf("CommitPull with an unwritable sources directory = %v, %v; want the image and an error", img, err)
	}
}
