package build

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// fakeEngine is build.Engine over maps and temporary directories: each
// image's root filesystem is one directory (its parent's, copied, with
// the step's layer tarball written over it), so COPY --from, --chown and
// COPY into an existing directory read real files. It records the calls
// the interpreter makes.
type fakeEngine struct {
	t        *testing.T
	dir      string
	images   map[string]*layers.Image // by ID
	roots    map[string]string        // image ID -> root directory
	names    map[string]string        // name -> image ID
	registry map[string]*layers.Image // what Pull finds, by name
	calls    []string                 // "commit CREATEDBY", "create CMD", "start", "remove", "pull REF", "tag REF"
	exit     map[string]int           // RUN command text -> exit code
	runFiles map[string]string        // RUN command text -> file it "writes" (name=content)
	lastEnv  []string                 // the last step container's environment
	n        int
}

func newFake(t *testing.T) *fakeEngine {
	f := &fakeEngine{t: t, dir: t.TempDir(), images: map[string]*layers.Image{}, roots: map[string]string{},
		names: map[string]string{}, registry: map[string]*layers.Image{}, exit: map[string]int{}, runFiles: map[string]string{}}
	return f
}

// addBase stores an image named name whose root holds files (path -> content).
func (f *fakeEngine) addBase(name string, cfg layers.ImageConfig, files map[string]string) *layers.Image {
	img := f.newImage(nil, cfg, "base "+name)
	for p, c := range files {
		fp := filepath.Join(f.roots[img.ID], p)
		os.MkdirAll(filepath.Dir(fp), 0o755)
		if err := os.WriteFile(fp, []byte(c), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	f.names[name] = img.ID
	return img
}

func (f *fakeEngine) newImage(base *layers.Image, cfg layers.ImageConfig, createdBy string) *layers.Image {
	f.n++
	sum := sha256.Sum256(fmt.Appendf(nil, "%d %s", f.n, createdBy))
	id := "sha256:" + hex.EncodeToString(sum[:])
	img := &layers.Image{ID: id, Digest: "sha256:m" + hex.EncodeToString(sum[:])[1:], Config: cfg, Created: time.Now()}
	root := filepath.Join(f.dir, hex.EncodeToString(sum[:8]))
	if base != nil {
		img.Layers = append(img.Layers, base.Layers...)
		if err := os.CopyFS(root, os.DirFS(f.roots[base.ID])); err != nil {
			f.t.Fatal(err)
		}
	} else if err := os.MkdirAll(root, 0o755); err != nil {
		f.t.Fatal(err)
	}
	img.History = []layers.History{{CreatedBy: createdBy}}
	f.images[id], f.roots[id] = img, root
	return img
}

func (f *fakeEngine) Image(ref string) (*layers.Image, error) {
	if id, ok := f.names[ref]; ok {
		ref = id
	}
	if img, ok := f.images[ref]; ok {
		return img, nil
	}
	return nil, fmt.Errorf("image %q: %w", ref, errdefs.ErrNotFound)
}

func (f *fakeEngine) ImageByDigest(d string) (*layers.Image, error) {
	for _, img := range f.images {
		if img.Digest == d {
			return img, nil
		}
	}
	return nil, fmt.Errorf("image %s: %w", d, errdefs.ErrNotFound)
}

func (f *fakeEngine) Pull(ctx context.Context, ref string, lines func(string)) (*layers.Image, error) {
	f.calls = append(f.calls, "pull "+ref)
	img, ok := f.registry[ref]
	if !ok {
		return nil, fmt.Errorf("pulling %s: not found in the registry", ref)
	}
	lines("pulled " + ref)
	f.images[img.ID], f.names[ref] = img, img.ID
	return img, nil
}

func (f *fakeEngine) Healthcheck(*layers.Image) (*layers.Healthcheck, error) { return nil, nil }

func (f *fakeEngine) LowerDirs(img *layers.Image) ([]string, error) {
	return []string{f.roots[img.ID]}, nil
}

func (f *fakeEngine) Commit(base *layers.Image, r io.Reader, opts layers.BuildStepOptions) (*layers.Image, error) {
	f.calls = append(f.calls, "commit "+opts.CreatedBy)
	img := f.newImage(base, opts.Config, opts.CreatedBy)
	if r == nil {
		return img, nil
	}
	img.Layers = append(img.Layers, layers.Layer{Digest: img.ID})
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return img, nil
		}
		if err != nil {
			return nil, err
		}
		p := filepath.Join(f.roots[img.ID], filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(p), 0o755)
			data, _ := io.ReadAll(tr)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return nil, err
			}
			if err := os.Chown(p, h.Uid, h.Gid); err != nil && os.Geteuid() == 0 {
				return nil, err
			}
		}
	}
}

func (f *fakeEngine) Tag(img *layers.Image, ref string) error {
	f.calls = append(f.calls, "tag "+ref)
	f.names[ref] = img.ID
	return nil
}

func (f *fakeEngine) Create(c Container) (string, error) {
	cmd := c.Cmd[len(c.Cmd)-1]
	f.calls = append(f.calls, "create "+cmd)
	f.lastEnv = c.Env
	id := fmt.Sprintf("c%d", len(f.calls))
	upper := filepath.Join(f.dir, "upper-"+id)
	os.MkdirAll(upper, 0o755)
	if nv, ok := f.runFiles[cmd]; ok {
		n, v, _ := strings.Cut(nv, "=")
		os.WriteFile(filepath.Join(upper, n), []byte(v), 0o644)
	}
	os.WriteFile(upper+".cmd", []byte(cmd), 0o644)
	return id, nil
}

func (f *fakeEngine) Start(ctx context.Context, id string, w io.Writer) (int, error) {
	f.calls = append(f.calls, "start")
	cmd, _ := os.ReadFile(filepath.Join(f.dir, "upper-"+id+".cmd"))
	fmt.Fprintf(w, "ran %s\n", cmd)
	return f.exit[string(cmd)], nil
}

func (f *fakeEngine) UpperDir(id string) string { return filepath.Join(f.dir, "upper-"+id) }

func (f *fakeEngine) Remove(id string) { f.calls = append(f.calls, "remove") }

func (f *fakeEngine) MountDir() string { return filepath.Join(f.dir, "mnt") }

// take returns the calls made since the last take.
func (f *fakeEngine) take() []string {
	c := f.calls
	f.calls = nil
	return c
}

// fileOf reads p in img's root filesystem.
func (f *fakeEngine) fileOf(img *layers.Image, p string) string {
	b, err := os.ReadFile(filepath.Join(f.roots[img.ID], p))
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func configJSON(c layers.ImageConfig) string {
	b, _ := json.Marshal(c)
	return string(b)
}
