package layers

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
)

// stepChain stores n build steps, each an untagged image on the one
// before (as n earlier builds leave them), the last named "bench".
func stepChain(t *testing.T, s *Store, n int) []*Image {
	t.Helper()
	var out []*Image
	var base *Image
	for i := 0; i < n; i++ {
		o := BuildStepOptions{CreatedBy: "RUN step", Config: ImageConfig{Env: []string{"I=" + string(rune('a'+i%26))}}}
		if i == n-1 {
			o.Ref = "bench"
		}
		img, err := s.AppendStep(base, nil, o)
		if err != nil {
			t.Fatalf("AppendStep(%d) = %v", i, err)
		}
		out = append(out, img)
		base = img
	}
	return out
}

func indexIno(t *testing.T, s *Store) uint64 {
	t.Helper()
	fi, err := os.Stat(s.indexPath())
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// A no-change rebuild resolves its FROM by name, looks up each cached
// step by manifest digest and re-tags the result: however many images earlier builds left in
// index.json, that decodes it once and does not rewrite it (issue #23).
func TestRebuildLookupsDecodeIndexOnce(t *testing.T) {
	for _, n := range []int{10, 200} {
		root := t.TempDir()
		s, err := Open(root)
		if err != nil {
			t.Fatal(err)
		}
		imgs := stepChain(t, s, n)
		rebuild, err := Open(root) // a new process
		if err != nil {
			t.Fatal(err)
		}
		ino := indexIno(t, s)
		last := imgs[n-1]
		if got, err := rebuild.Resolve("bench"); err != nil || got.ID != last.ID { // FROM, by name
			t.Fatalf("n=%d: Resolve(bench) = %v, %v; want %s", n, got, err, last.ID)
		}
		for _, img := range imgs[n-9:] {
			got, err := rebuild.ImageByDigest(img.Digest)
			if err != nil || got.ID != img.ID {
				t.Fatalf("n=%d: ImageByDigest(%s) = %v, %v; want %s", n, img.Digest, got, err, img.ID)
			}
		}
		if err := rebuild.TagImage(last, "bench"); err != nil {
			t.Fatalf("TagImage(bench) = %v", err)
		}
		if p := rebuild.indexParses(); p != 1 {
			t.Errorf("n=%d: a name, 9 digests and a re-tag decoded index.json %d times, want 1", n, p)
		}
		if indexIno(t, s) != ino {
			t.Errorf("n=%d: re-tagging an image with the name it has rewrote index.json", n)
		}
		if got, err := rebuild.ImageByDigest(last.Digest); err != nil || len(got.Names) != 1 || got.Names[0] != "docker.io/library/bench:latest" {
			t.Errorf("n=%d: ImageByDigest(last).Names = %v, %v", n, got, err)
		}
	}
}

// The cache never answers from an index.json another process replaced,
// and what readIndex hands out can be changed without touching it.
func TestIndexCacheSeesOtherWriters(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	imgs := stepChain(t, s, 3)
	reader, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	im, err := reader.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	for i := range im.Manifests {
		im.Manifests[i].Annotations = map[string]string{AnnotationRefName: "docker.io/library/mangled:latest"}
	}
	if got, err := reader.ImageByDigest(imgs[0].Digest); err != nil || len(got.Names) != 0 {
		t.Errorf("after changing readIndex's copy, ImageByDigest(step 0).Names = %v, %v; want none", got, err)
	}

	if _, err := s.RemoveUntagged([]string{imgs[0].Digest}); err != nil {
		t.Fatalf("RemoveUntagged = %v", err)
	}
	if _, err := reader.ImageByDigest(imgs[0].Digest); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("ImageByDigest(removed by another store) = %v, want ErrNotFound", err)
	}
	if err := s.TagImage(imgs[1], "other"); err != nil {
		t.Fatal(err)
	}
	got, err := reader.ImageByDigest(imgs[1].Digest)
	if err != nil || len(got.Names) != 1 || got.Names[0] != "docker.io/library/other:latest" {
		t.Errorf("ImageByDigest(tagged by another store).Names = %v, %v; want [docker.io/library/other:latest]", got, err)
	}
	if err := reader.TagImage(imgs[1], "other"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Resolve("other"); err != nil || got.ID != imgs[1].ID {
		t.Errorf("Resolve(other) = %v, %v; want %s", got, err, imgs[1].ID)
	}
}
