package layers

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berthdev/berth/internal/atomicfile"
)

// Source is where an image came from or went: a registry reference it was
// pulled from or pushed to. Sources are kept in sources/<manifest hex>.json,
// newest first, one per reference; a record whose manifest is gone is
// dropped by the next RecordSource.
type Source struct {
	Ref    string    `json:"ref"`    // "localhost:5000/app:v1", as the store names references
	Digest string    `json:"digest"` // the manifest digest it had in the registry then
	Action string    `json:"action"` // "pull" or "push"
	Time   time.Time `json:"time"`
}

func (s *Store) sourcesDir() string { return filepath.Join(s.root, "sources") }

// Sources lists the registry references an image (by manifest digest) was
// pulled from or pushed to, newest first.
func (s *Store) Sources(digest string) []Source {
	hex := strings.TrimPrefix(digest, "sha256:")
	if hex == "" || strings.ContainsAny(hex, "/.") {
		return nil
	}
	var out []Source
	data, err := os.ReadFile(filepath.Join(s.sourcesDir(), hex+".json"))
	if err != nil || json.Unmarshal(data, &out) != nil {
		return nil
	}
	return out
}

// RecordSource remembers that the image with manifest src.Digest came from
// or went to src.Ref. The caller holds the store lock.
func (s *Store) RecordSource(src Source) error {
	if err := os.MkdirAll(s.sourcesDir(), 0o700); err != nil {
		return err
	}
	list := []Source{src}
	for _, old := range s.Sources(src.Digest) {
		if old.Ref != src.Ref {
			list = append(list, old)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Time.After(list[j].Time) })
	hex := strings.TrimPrefix(src.Digest, "sha256:")
	if err := atomicfile.WriteJSON(filepath.Join(s.sourcesDir(), hex+".json"), list, 0o644); err != nil {
		return err
	}
	for _, n := range readDirNames(s.sourcesDir()) {
		h, ok := strings.CutSuffix(n, ".json")
		if ok && !exists(filepath.Join(s.oci, "blobs", "sha256", h)) {
			os.Remove(filepath.Join(s.sourcesDir(), n))
		}
	}
	return nil
}

// RemoteDigest asks the registry which manifest digest ref names now (for
// an index, the manifest for opts.Platform), with one HEAD request where
// the registry allows it.
func RemoteDigest(ctx context.Context, ref string, opts RemoteOptions) (string, error) {
	r, err := ParseRemoteRef(ref, opts.Insecure)
	if err != nil {
		return "", err
	}
	ro, err := opts.remote(ctx)
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(r, ro...)
	if err != nil {
		return "", remoteError("checking", r, err)
	}
	if !desc.MediaType.IsIndex() {
		return desc.Digest.String(), nil
	}
	img, err := remote.Image(r, ro...)
	if err != nil {
		return "", remoteError("checking", r, err)
	}
	h, err := img.Digest()
	if err != nil {
		return "", remoteError("checking", r, err)
	}
	return h.String(), nil
}

// Catalog lists the repositories of a registry and the tags of each.
func Catalog(ctx context.Context, registry string, opts RemoteOptions) (map[string][]string, error) {
	reg, err := ParseRegistry(registry, opts.Insecure)
	if err != nil {
		return nil, err
	}
	ro, err := opts.remote(ctx)
	if err != nil {
		return nil, err
	}
	repos, err := remote.Catalog(ctx, reg, ro...)
	if err != nil {
		return nil, RegistryError("listing registry "+reg.RegistryStr(), reg.RegistryStr(), err)
	}
	out := map[string][]string{}
	for _, name := range repos {
		tags, err := remote.List(reg.Repo(name), ro...)
		if err != nil {
			return nil, RegistryError("listing "+reg.RegistryStr()+"/"+name, reg.RegistryStr(), err)
		}
		sort.Strings(tags)
		out[name] = tags
	}
	return out, nil
}
