package layers

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/testutil"
)

// twoImages fills s with two images, one with two names.
func twoImages(t *testing.T, s *Store) (*Image, *Image) {
	a := mustImport(t, s, makeTar(t, dir("x/"), reg("x/a", "a")), "a:1")
	if err := s.Tag("a:1", "localhost:5000/a:2"); err != nil {
		t.Fatal(err)
	}
	b := mustImport(t, s, gzipped(makeTar(t, reg("b", "b"))), "b:1")
	return a, b
}

func TestSaveRemoveLoad(t *testing.T) {
	for _, format := range []string{DockerArchive, OCIArchive} {
		t.Run(format, func(t *testing.T) {
			s := newStore(t)
			empty := storeState(t, s)
			a, b := twoImages(t, s)
			var buf bytes.Buffer
			if err := s.Save(&buf, []string{"a:1", "localhost:5000/a:2", "b:1"}, format); err != nil {
				t.Fatalf("Save = %v", err)
			}
			for _, ref := range []string{"a:1", "localhost:5000/a:2", "b:1"} {
				if _, err := s.Remove(ref, false); err != nil {
					t.Fatal(err)
				}
			}
			if got := storeState(t, s); got != empty {
				t.Fatalf("store not empty after removals:\n%s", got)
			}
			// A pipe: Load must not need to seek.
			loaded, err := s.Load(io.MultiReader(&buf))
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			sort.Strings(loaded)
			if want := []string{"a:1", "b:1", "localhost:5000/a:2"}; !reflect.DeepEqual(loaded, want) {
				t.Errorf("Load = %q, want %q", loaded, want)
			}
			for _, want := range []*Image{a, b} {
				got, err := s.Resolve(FamiliarName(want.Names[0]))
				if err != nil || got.ID != want.ID || got.Digest != want.Digest {
					t.Errorf("after Load: %v, %v; want ID %s digest %s", got, err, want.ID, want.Digest)
				}
			}
			if got, _ := s.Resolve("localhost:5000/a:2"); got == nil || got.ID != a.ID {
				t.Errorf("second name lost")
			}
			img, _ := s.Resolve("a:1")
			if dirs, err := s.LowerDirs(img); err != nil {
				t.Errorf("LowerDirs after Load = %v", err)
			} else if data, _ := os.ReadFile(filepath.Join(dirs[0], "x/a")); string(data) != "a" {
				t.Errorf("x/a = %q", data)
			}
		})
	}
}

func TestLoadUntaggedAndBad(t *testing.T) {
	s := newStore(t)
	img := mustImport(t, s, makeTar(t, reg("u", "u")), "")
	var buf bytes.Buffer
	if err := s.Save(&buf, []string{img.ID}, ""); err != nil {
		t.Fatal(err)
	}
	archive := buf.Bytes()
	s2 := newStore(t)
	loaded, err := s2.Load(bytes.NewReader(archive))
	if err != nil || !reflect.DeepEqual(loaded, []string{img.ID}) {
		t.Fatalf("Load = %q, %v", loaded, err)
	}
	s3 := newStore(t)
	before := storeState(t, s3)
	for name, data := range map[string][]byte{
		"truncated": archive[:len(archive)-1500],
		"garbage":   bytes.Repeat([]byte{7}, 3000),
		"no images": makeTar(t, reg("hello", "x")),
		"escape":    makeTar(t, reg("../manifest.json", "[]")),
	} {
		if _, err := s3.Load(bytes.NewReader(data)); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("Load(%s) = %v, want ErrInvalid", name, err)
		}
		if after := storeState(t, s3); after != before {
			t.Errorf("Load(%s) changed the store:\n%s", name, after)
		}
	}
}

func TestSkopeoInterop(t *testing.T) {
	testutil.RequiresCommand(t, "skopeo")
	s := newStore(t)
	a, _ := twoImages(t, s)
	dir := t.TempDir()
	for _, format := range []string{DockerArchive, OCIArchive} {
		p := filepath.Join(dir, format+".tar")
		f, _ := os.Create(p)
		if err := s.Save(f, []string{"a:1"}, format); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out, err := exec.Command("skopeo", "inspect", "--raw", "--config", format+":"+p).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte(`"berth import"`)) {
			t.Errorf("skopeo inspect %s: %s %v", format, out, err)
		}
	}
	if out, err := exec.Command("skopeo", "inspect", "oci-archive:"+filepath.Join(dir, "oci-archive.tar")+":a:1").CombinedOutput(); err != nil {
		t.Errorf("skopeo inspect by name: %s %v", out, err)
	}
	// docker-archive -> skopeo -> oci-archive -> Load.
	x := filepath.Join(dir, "x.tar")
	if out, err := exec.Command("skopeo", "copy", "docker-archive:"+filepath.Join(dir, "docker-archive.tar"), "oci-archive:"+x+":busybox:latest").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %s %v", out, err)
	}
	s2 := newStore(t)
	f, _ := os.Open(x)
	defer f.Close()
	loaded, err := s2.Load(f)
	if err != nil || !reflect.DeepEqual(loaded, []string{"busybox:latest"}) {
		t.Fatalf("Load(skopeo's oci-archive) = %q, %v", loaded, err)
	}
	img, err := s2.Resolve("busybox")
	// skopeo rewrites the config as OCI's; the content stays.
	if err != nil || len(img.Layers) != 1 || img.Layers[0].DiffID != a.Layers[0].DiffID {
		t.Fatalf("Resolve = %+v, %v; want the layer %s", img, err, a.Layers[0].DiffID)
	}
	if _, err := s2.LowerDirs(img); err != nil {
		t.Errorf("LowerDirs = %v", err)
	}
}
