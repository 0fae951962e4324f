package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// BusyboxPath is the static busybox binary Bootstrap builds busybox:latest
// from (Debian's busybox-static).
const BusyboxPath = "/bin/busybox"

// ImageSummary is one image of `berth images`.
type ImageSummary struct {
	ID          string    // "sha256:<hex>", the config digest
	RepoTags    []string  // familiar names, "busybox:latest"; empty when untagged
	RepoDigests []string  // "busybox@sha256:<manifest digest>"
	Created     time.Time //
	Size        int64     // uncompressed bytes of all layers
	Labels      map[string]string
	// Source is the registry reference the image was last pulled from or
	// pushed to ("localhost:5000/app:v1"); empty for an image never there.
	Source string
	// RegistryStatus is set by CheckRegistries: RegistryUpToDate,
	// RegistryNewer, RegistryMissing or RegistryUnreachable.
	RegistryStatus string
	sourceDigest   string // the manifest digest to compare with the registry's
}

// ImageInspect is `berth image inspect`, with docker's JSON field names.
type ImageInspect struct {
	ID            string             `json:"Id"`
	RepoTags      []string           `json:"RepoTags"`
	RepoDigests   []string           `json:"RepoDigests"`
	Parent        string             `json:"Parent"`
	Comment       string             `json:"Comment"`
	Created       string             `json:"Created"`
	DockerVersion string             `json:"DockerVersion"`
	Author        string             `json:"Author"`
	Config        ImageInspectConfig `json:"Config"`
	Architecture  string             `json:"Architecture"`
	Os            string             `json:"Os"`
	Size          int64              `json:"Size"`
	RootFS        ImageRootFS        `json:"RootFS"`
	Metadata      ImageMetadata      `json:"Metadata"`
}

// ImageInspectConfig is an image's runtime config with its HEALTHCHECK,
// with docker's names.
type ImageInspectConfig struct {
	layers.ImageConfig
	Healthcheck *layers.Healthcheck `json:"Healthcheck,omitempty"`
}

// ImageRootFS lists an image's layers by diff ID.
type ImageRootFS struct {
	Type   string   `json:"Type"`
	Layers []string `json:"Layers"`
}

// ImageMetadata is docker's image Metadata.
type ImageMetadata struct {
	LastTagTime string `json:"LastTagTime,omitempty"`
}

// ImageHistory is one row of `berth history`, newest first.
type ImageHistory struct {
	ID        string // the image ID on the top row, "<missing>" below, as docker shows
	Created   time.Time
	CreatedBy string
	Tags      []string
	Size      int64 // uncompressed size of the layer this step made; 0 for an empty layer
	Comment   string
}

// ImportOptions are `berth import`'s options.
type ImportOptions struct {
	Message string   // -m: the history comment
	Changes []string // -c: Dockerfile instructions applied to the config
	Source  string   // names the input in errors, e.g. the file name
}

// RemovedImage is what removing an image did: names untagged, IDs deleted.
type RemovedImage = layers.Removed

func summarize(img *layers.Image) ImageSummary {
	s := ImageSummary{ID: img.ID, Created: img.Created, Size: img.Size, Labels: img.Config.Labels}
	for _, n := range img.Names {
		s.RepoTags = append(s.RepoTags, layers.FamiliarName(n))
		repo, _ := layers.SplitRef(layers.FamiliarName(n))
		if d := repo + "@" + img.Digest; !slices.Contains(s.RepoDigests, d) {
			s.RepoDigests = append(s.RepoDigests, d)
		}
	}
	return s
}

// Images lists the images, newest first.
func (e *Engine) Images() ([]ImageSummary, error) {
	imgs, err := e.images.List()
	if err != nil {
		return nil, err
	}
	imgs, _ = e.splitBuildCache(imgs) // build step images are the build cache, not listed
	out := make([]ImageSummary, 0, len(imgs))
	for _, img := range imgs {
		s := summarize(img)
		e.addSource(&s, img)
		out = append(out, s)
	}
	return out, nil
}

// ResolveImage finds an image by name, ID, ID prefix or name@digest.
func (e *Engine) ResolveImage(ref string) (*layers.Image, error) { return e.images.Resolve(ref) }

// ImageInspect describes an image as docker image inspect does.
func (e *Engine) ImageInspect(ref string) (*ImageInspect, error) {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return nil, err
	}
	s := summarize(img)
	out := &ImageInspect{
		ID: img.ID, RepoTags: s.RepoTags, RepoDigests: s.RepoDigests, Comment: img.Comment,
		Created: img.Created.UTC().Format(time.RFC3339Nano), Author: img.Author, Config: ImageInspectConfig{ImageConfig: img.Config},
		Architecture: img.Architecture, Os: img.OS, Size: img.Size,
		RootFS: ImageRootFS{Type: "layers", Layers: []string{}},
	}
	if out.RepoTags == nil {
		out.RepoTags, out.RepoDigests = []string{}, []string{}
	}
	for _, l := range img.Layers {
		out.RootFS.Layers = append(out.RootFS.Layers, l.DiffID)
	}
	if out.Config.Healthcheck, err = e.images.ImageHealthcheck(img); err != nil {
		return nil, err
	}
	return out, nil
}

// History lists the steps that made an image, newest first.
func (e *Engine) History(ref string) ([]ImageHistory, error) {
	img, err := e.images.Resolve(ref)
	if err != nil {
		return nil, err
	}
	var out []ImageHistory
	layer := 0
	for _, h := range img.History {
		row := ImageHistory{ID: "<missing>", Created: h.Created, CreatedBy: h.CreatedBy, Comment: h.Comment}
		if !h.EmptyLayer && layer < len(img.Layers) {
			row.Size = img.Layers[layer].DiffSize
			layer++
		}
		out = append([]ImageHistory{row}, out...)
	}
	if len(out) > 0 {
		out[0].ID, out[0].Tags = img.ID, summarize(img).RepoTags
	}
	return out, nil
}

// Import makes a single-layer image of a root filesystem tarball (plain,
// gzip, bzip2 or zstd), named ref if not empty, and returns its ID.
func (e *Engine) Import(r io.Reader, ref string, opts ImportOptions) (string, error) {
	return e.importWith(ref, opts, func(lo layers.ImportOptions) (*layers.Image, error) {
		return e.images.Import(r, ref, lo)
	})
}

// ImportDir is Import of a directory tree.
func (e *Engine) ImportDir(dir, ref string, opts ImportOptions) (string, error) {
	return e.importWith(ref, opts, func(lo layers.ImportOptions) (*layers.Image, error) {
		return e.images.ImportDir(dir, ref, lo)
	})
}

func (e *Engine) importWith(ref string, opts ImportOptions, do func(layers.ImportOptions) (*layers.Image, error)) (string, error) {
	cfg, err := layers.ApplyChanges(layers.ImageConfig{}, opts.Changes)
	if err != nil {
		return "", err
	}
	var img *layers.Image
	err = e.withLock(func() error {
		img, err = do(layers.ImportOptions{Message: opts.Message, Config: cfg, Source: opts.Source})
		return err
	})
	if err != nil {
		return "", err
	}
	e.emit(imageEvent("import", img.ID, ref))
	return img.ID, nil
}

// Save writes images to w as a "docker-archive" (the default) or an
// "oci-archive". It takes no lock: blobs never change, and a concurrent
// removal fails the save rather than corrupting anything.
func (e *Engine) Save(w io.Writer, refs []string, format string) error {
	if err := e.images.Save(w, refs, format); err != nil {
		return err
	}
	for _, ref := range refs {
		e.emit(imageEvent("save", ref, ref))
	}
	return nil
}

// Load stores every image of a docker-archive or oci-archive and returns
// their names (or IDs, "sha256:...", for untagged ones).
func (e *Engine) Load(r io.Reader) ([]string, error) {
	// Read first, lock after: the writer of a pipe may be a berth that
	// needs the lock to open the store (`berth save X | berth load`).
	a, err := e.images.Spool(r)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	var loaded []string
	err = e.withLock(func() (err error) {
		loaded, err = a.Load()
		return err
	})
	for _, n := range loaded {
		e.emit(imageEvent("load", n, n))
	}
	return loaded, err
}

// Tag gives the image src the additional name dst.
func (e *Engine) Tag(src, dst string) error {
	err := e.withLock(func() error { return e.images.Tag(src, dst) })
	if err == nil {
		e.emit(imageEvent("tag", src, dst))
	}
	return err
}

// RemoveImage removes an image reference with docker rmi's rules
// (daemon/images/image_delete.go). A name that is one of several only
// untags. The last name is refused while a container uses the image,
// unless force; forced, it untags and deletes the image unless a
// container runs it (then the image stays, untagged). By ID: refused
// while a container runs it, forced or not; an image with several names
// or used by a stopped container needs force, and is then deleted, its
// layers kept for the stopped containers (layers.DeleteHeld).
func (e *Engine) RemoveImage(ref string, force bool) (RemovedImage, error) {
	var rm RemovedImage
	err := e.withLock(func() error {
		img, err := e.images.Resolve(ref)
		if err != nil {
			return err
		}
		users, err := e.imageUsers(img.ID)
		if err != nil {
			return err
		}
		full, nerr := layers.NormalizeRef(ref)
		byName := nerr == nil && !strings.HasPrefix(ref, "sha256:") && slices.Contains(img.Names, full)
		if len(users) == 0 || (byName && len(img.Names) > 1) {
			rm, err = e.images.Remove(ref, force)
			return err
		}
		running := ""
		for _, id := range users {
			if st, err := e.loadState(id); err == nil && st.running() {
				running = id
				break
			}
		}
		if byName {
			if !force {
				return fmt.Errorf("conflict: unable to remove repository reference %q (must force) - container %s is using its referenced image %s: %w",
					ref, shortImageID(users[0]), shortImageID(img.ID), errdefs.ErrFailedPrecondition)
			}
			if running != "" { // docker's quiet conflict: the image stays, untagged
				rm, err = e.images.Untag(ref)
				return err
			}
			rm, err = e.images.DeleteHeld(img)
			return err
		}
		if running != "" {
			return fmt.Errorf("conflict: unable to delete %s (cannot be forced) - image is being used by running container %s: %w",
				shortImageID(img.ID), shortImageID(running), errdefs.ErrFailedPrecondition)
		}
		if !force && len(img.Names) > 1 {
			return fmt.Errorf("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories: %w",
				shortImageID(img.ID), errdefs.ErrFailedPrecondition)
		}
		if !force {
			return fmt.Errorf("conflict: unable to delete %s (must be forced) - image is being used by stopped container %s: %w",
				shortImageID(img.ID), shortImageID(users[0]), errdefs.ErrFailedPrecondition)
		}
		rm, err = e.images.DeleteHeld(img)
		return err
	})
	for _, n := range rm.Untagged {
		e.emit(imageEvent("untag", n, n))
	}
	for _, id := range rm.Deleted {
		e.emit(imageEvent("delete", id, ref))
	}
	return rm, err
}

// Bootstrap builds busybox:latest from the host's static busybox, without
// any registry.
func (e *Engine) Bootstrap() (*ImageSummary, error) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		return nil, fmt.Errorf("busybox-static is not installed (%s missing): run scripts/deps.sh: %w", BusyboxPath, errdefs.ErrFailedPrecondition)
	}
	var img *layers.Image
	err := e.withLock(func() (err error) {
		img, err = e.images.Bootstrap(BusyboxPath)
		return err
	})
	if err != nil {
		return nil, err
	}
	e.emit(imageEvent("import", img.ID, layers.BootstrapRef))
	s := summarize(img)
	return &s, nil
}

func shortImageID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// imagesInUse is the set of image IDs containers use: what keeps a held
// image's layers (layers.WithInUse). The caller holds the store lock.
func (e *Engine) imagesInUse() (map[string]bool, error) {
	ids, err := e.containerIDs()
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, id := range ids {
		r, err := e.loadRecord(id)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errdefs.ErrNotFound) {
			continue // removed meanwhile: its image is nobody's
		}
		if err != nil {
			return nil, err // never collect on a partial view
		}
		used[r.ImageID] = true
	}
	return used, nil
}

// releaseImage collects what a deleted image (layers.DeleteHeld) kept for
// its containers, once the last of them is gone.
func (e *Engine) releaseImage(id string) {
	if !e.images.IsHeld(id) {
		return
	}
	e.withLock(func() error {
		_, err := e.images.Collect()
		return err
	})
}
