package engine

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
	"github.com/berthdev/berth/registry"
)

// DefaultRegistryAddr is where `berth registry serve` listens unless told:
// loopback only; pass ":5000" to share it with a class.
const DefaultRegistryAddr = registry.DefaultAddr

// RegistryDir is the default directory of the local registry of a store:
// <root>/registry.
func RegistryDir(root string) string { return filepath.Join(root, "registry") }

// RegistryServeConfig is how ServeRegistry serves (registry.Config).
type RegistryServeConfig = registry.Config

// RegistryServeInfo is what a started registry tells: its address, TLS
// fingerprint, warnings.
type RegistryServeInfo = registry.Info

// ServeRegistry runs a registry (the OCI distribution API, distribution's
// own implementation) as cfg says until ctx ends. ready, if not nil, is
// called once it listens.
func ServeRegistry(ctx context.Context, cfg RegistryServeConfig, ready func(RegistryServeInfo)) error {
	return registry.Serve(ctx, cfg, ready)
}

// AddRegistryUser sets a user's password in an htpasswd file (bcrypt).
func AddRegistryUser(htpasswd, name string, password []byte) error {
	return registry.AddUser(htpasswd, name, password)
}

// RegistryGCOptions tunes GarbageCollectRegistry.
type RegistryGCOptions = registry.GCOptions

// GarbageCollectRegistry removes unreferenced blobs and abandoned uploads
// from the registry in dir; it returns the number of uploads removed.
func GarbageCollectRegistry(ctx context.Context, dir string, opts RegistryGCOptions) (int, error) {
	return registry.GarbageCollect(ctx, dir, opts)
}

// ListRegistryDir lists the repositories of the registry in dir and their
// tags, reading the directory (no server needed).
func ListRegistryDir(ctx context.Context, dir string) ([]RegistryRepository, error) {
	repos, err := registry.List(ctx, dir)
	if err != nil {
		return nil, err
	}
	out := make([]RegistryRepository, len(repos))
	for i, r := range repos {
		out[i] = RegistryRepository{Name: r.Name, Tags: r.Tags}
	}
	return out, nil
}

// RegistryRepository is one repository of a registry and its tags.
type RegistryRepository struct {
	Name string
	Tags []string
}

// ListRegistry lists the repositories of a registry ("host:port") and
// their tags, by name.
func ListRegistry(ctx context.Context, addr string, opts RegistryOptions) ([]RegistryRepository, error) {
	cat, err := layers.Catalog(ctx, addr, layers.RemoteOptions{Insecure: opts.Insecure, TLSCA: opts.TLSCA})
	if err != nil {
		return nil, err
	}
	out := make([]RegistryRepository, 0, len(cat))
	for n, tags := range cat {
		out = append(out, RegistryRepository{Name: n, Tags: tags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Registry states of an image, as CheckRegistries sets RegistryStatus.
const (
	RegistryUpToDate    = "up to date"
	RegistryNewer       = "newer in registry" // the registry's tag names another image now
	RegistryMissing     = "not in registry"
	RegistryUnreachable = "unreachable"
)

// CheckRegistries asks, for each image with a Source, whether the registry
// still has that very image under that name, and sets RegistryStatus. The
// registries are asked at once, one HEAD request each.
func (e *Engine) CheckRegistries(ctx context.Context, list []ImageSummary, opts RegistryOptions) {
	lo := e.remoteOptions(opts)
	lo.Timeout = RegistryCheckTimeout
	ctx, cancel := context.WithTimeout(ctx, 2*RegistryCheckTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for i := range list {
		if list[i].Source == "" {
			continue
		}
		wg.Add(1)
		go func(s *ImageSummary) {
			defer wg.Done()
			s.RegistryStatus = registryStatus(ctx, s.Source, s.sourceDigest, lo)
		}(&list[i])
	}
	wg.Wait()
}

// RegistryCheckTimeout bounds how long CheckRegistries and CheckRemote
// wait for a registry to answer.
const RegistryCheckTimeout = 5 * time.Second

// CheckRemote says whether the registry an image came from (its Source)
// still has it under that name: one HEAD request, at most
// RegistryCheckTimeout. image is a name or ID of a local image; it returns
// the Source and RegistryUpToDate, RegistryNewer, RegistryMissing or
// RegistryUnreachable, or "" and "" for an image that never was in a
// registry. For the TUI, which asks about one image at a time.
func (e *Engine) CheckRemote(ctx context.Context, image string, opts RegistryOptions) (source, status string, err error) {
	img, err := e.images.Resolve(image)
	if err != nil {
		return "", "", err
	}
	var s ImageSummary
	e.addSource(&s, img)
	if s.Source == "" {
		return "", "", nil
	}
	lo := e.remoteOptions(opts)
	lo.Timeout = RegistryCheckTimeout
	ctx, cancel := context.WithTimeout(ctx, 2*RegistryCheckTimeout)
	defer cancel()
	return s.Source, registryStatus(ctx, s.Source, s.sourceDigest, lo), nil
}

// registryStatus compares the digest the registry has under ref with
// digest.
func registryStatus(ctx context.Context, ref, digest string, lo layers.RemoteOptions) string {
	d, err := layers.RemoteDigest(ctx, ref, lo)
	switch {
	case err == nil && d == digest:
		return RegistryUpToDate
	case err == nil:
		return RegistryNewer
	case errdefs.Is(err, errdefs.ErrNotFound):
		return RegistryMissing
	default:
		return RegistryUnreachable
	}
}

// addSource fills in where an image came from or went last.
func (e *Engine) addSource(s *ImageSummary, img *layers.Image) {
	if src := e.images.Sources(img.Digest); len(src) > 0 {
		s.Source, s.sourceDigest = layers.FamiliarName(src[0].Ref), img.Digest
	}
}
