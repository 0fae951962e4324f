package layers

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berthdev/berth/internal/errdefs"
)

// ggcrImage is an image of the given layer tarballs, stacked on base
// (nil: empty), as go-containerregistry builds it: gzipped layers.
func ggcrImage(t *testing.T, base v1.Image, layerTars ...[]byte) v1.Image {
	t.Helper()
	img := base
	if img == nil {
		img = empty.Image
	}
	for _, data := range layerTars {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// ggcrArchive is `docker save` of the images, by tag.
func ggcrArchive(t *testing.T, imgs map[string]v1.Image) []byte {
	t.Helper()
	refs := map[name.Reference]v1.Image{}
	for tag, img := range imgs {
		ref, err := name.NewTag(tag)
		if err != nil {
			t.Fatal(err)
		}
		refs[ref] = img
	}
	var buf bytes.Buffer
	if err := tarball.MultiRefWrite(refs, &buf); err != nil {
		t.Fatalf("MultiRefWrite = %v", err)
	}
	return buf.Bytes()
}

// Loading an archive reads each layer once: the file list the check of
// its tarball read on the way is left in layerinfo/, the same list a scan
// of the stored blob gives, so the first view of the image reads no blob.
// Two images sharing a layer file (renamed into the store for the first)
// both load.
func TestLoadLeavesFileLists(t *testing.T) {
	s := newStore(t)
	base := ggcrImage(t, nil, makeTar(t, dir("etc/"), reg("etc/os", "debian"), reg("etc/big", strings.Repeat("x", 5000))))
	app := ggcrImage(t, base, makeTar(t, dir("etc/"), reg("etc/.wh.big", ""), reg("app", "app"), symlink("bin", "app")))
	other := ggcrImage(t, base, makeTar(t, reg("other", "o")))
	if _, err := s.Load(bytes.NewReader(ggcrArchive(t, map[string]v1.Image{"app:1": app, "other:1": other}))); err != nil {
		t.Fatalf("Load = %v", err)
	}
	for _, ref := range []string{"app:1", "other:1"} {
		img, err := s.Resolve(ref)
		if err != nil {
			t.Fatalf("Resolve(%s) = %v", ref, err)
		}
		for i, l := range img.Layers {
			cached := s.cachedLayerFiles(l, i, false)
			if cached == nil {
				t.Fatalf("%s layer %d: no file list in layerinfo/ after Load", ref, i)
			}
			scanned, err := s.scanLayerFiles(l, i, false)
			if err != nil {
				t.Fatalf("scanLayerFiles(%s layer %d) = %v", ref, i, err)
			}
			if !reflect.DeepEqual(cached, scanned) {
				t.Errorf("%s layer %d: listed at load %+v, scanned %+v", ref, i, cached, scanned)
			}
			fi, err := os.Stat(s.blobPath(mustHash(t, l.Digest)))
			if err != nil || fi.Mode().Perm() != 0o444 {
				t.Errorf("%s layer %d blob: %v, %v; want read-only", ref, i, fi, err)
			}
		}
	}
}

// A load that fails after storing some layers takes their file lists back
// with their blobs: the store is as it was.
func TestFailedLoadLeavesNoFileLists(t *testing.T) {
	s := newStore(t)
	good := ggcrImage(t, nil, makeTar(t, reg("a", "a")))
	bad := ggcrImage(t, good, makeTar(t, reg("b", "b")))
	cf, err := bad.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs[1] = cf.RootFS.DiffIDs[0] // the second layer's diff ID is wrong
	if bad, err = mutate.ConfigFile(bad, cf); err != nil {
		t.Fatal(err)
	}
	before := storeState(t, s)
	_, err = s.Load(bytes.NewReader(ggcrArchive(t, map[string]v1.Image{"bad:1": bad})))
	if !errors.Is(err, errdefs.ErrInvalid) {
		t.Fatalf("Load = %v, want ErrInvalid", err)
	}
	if after := storeState(t, s); after != before {
		t.Errorf("a failed Load changed the store:\n%s\nwas:\n%s", after, before)
	}
}

func mustHash(t *testing.T, s string) v1.Hash {
	t.Helper()
	h, err := v1.NewHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
