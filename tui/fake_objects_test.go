package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/berthdev/berth/engine"
)

// The fake's inspect, rm and prune of images, volumes and networks, with
// the engine's refusals: an image a container uses, a volume in use.

func (f *fakeEngine) image(ref string) (int, bool) {
	i := slices.IndexFunc(f.images, func(im engine.ImageSummary) bool {
		return slices.Contains(im.RepoTags, ref) || strings.HasPrefix(strings.TrimPrefix(im.ID, "sha256:"), ref)
	})
	return i, i >= 0
}

func (f *fakeEngine) ImageInspect(ref string) (*engine.ImageInspect, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("image inspect " + ref)
	i, ok := f.image(ref)
	if !ok {
		return nil, fmt.Errorf("no such image: %s", ref)
	}
	im := f.images[i]
	return &engine.ImageInspect{ID: im.ID, RepoTags: im.RepoTags, RepoDigests: im.RepoDigests,
		Created: im.Created.Format(time.RFC3339Nano), Architecture: "amd64", Os: "linux", Size: im.Size}, nil
}

func (f *fakeEngine) RemoveImage(ref string, force bool) (engine.RemovedImage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("image rm " + ref)
	i, ok := f.image(ref)
	if !ok {
		return engine.RemovedImage{}, fmt.Errorf("no such image: %s", ref)
	}
	im := f.images[i]
	for _, c := range f.containers {
		if c.ImageID == im.ID && !force {
			return engine.RemovedImage{}, fmt.Errorf("image %s is used by container %s", ref, c.Names[0])
		}
	}
	f.images = slices.Delete(f.images, i, i+1)
	f.events <- engine.Event{Type: "image", Action: "delete", Actor: engine.EventActor{ID: im.ID, Attributes: map[string]string{"name": ref}},
		TimeNano: epoch.UnixNano()}
	return engine.RemovedImage{Untagged: im.RepoTags, Deleted: []string{im.ID}}, nil
}

// PruneImages removes the untagged images no container uses.
func (f *fakeEngine) PruneImages(all bool) (*engine.PruneReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("image prune all=%v", all))
	r := &engine.PruneReport{}
	f.images = slices.DeleteFunc(f.images, func(im engine.ImageSummary) bool {
		for _, c := range f.containers {
			if c.ImageID == im.ID {
				return false
			}
		}
		if len(im.RepoTags) > 0 && !all {
			return false
		}
		r.Images = append(r.Images, engine.RemovedImage{Deleted: []string{im.ID}})
		r.Reclaimed += im.Size
		return true
	})
	return r, nil
}

func (f *fakeEngine) InspectVolume(name string) (*engine.Volume, error) {
	f.recordLocked("volume inspect " + name)
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	for _, v := range r.volumes {
		if v.Name == name {
			return &v.Volume, nil
		}
	}
	return nil, fmt.Errorf("no such volume: %s", name)
}

// PruneVolumes removes the volumes no container uses (the fake's volumes
// are all anonymous enough).
func (f *fakeEngine) PruneVolumes(all bool) ([]string, int64, error) {
	f.recordLocked(fmt.Sprintf("volume prune all=%v", all))
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	var gone []string
	r.volumes = slices.DeleteFunc(r.volumes, func(v engine.VolumeSummary) bool {
		if len(v.UsedBy) == 0 {
			gone = append(gone, v.Name)
			return true
		}
		return false
	})
	return gone, int64(len(gone)) * 4096, nil
}

func (f *fakeEngine) InspectNetwork(ref string) (*engine.NetworkSummary, error) {
	f.recordLocked("network inspect " + ref)
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	for _, n := range r.networks {
		if n.Name == ref {
			return &n, nil
		}
	}
	return nil, fmt.Errorf("no such network: %s", ref)
}

// PruneNetworks removes the networks no container joins, bridge aside.
func (f *fakeEngine) PruneNetworks() ([]string, error) {
	f.recordLocked("network prune")
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	var gone []string
	r.networks = slices.DeleteFunc(r.networks, func(n engine.NetworkSummary) bool {
		if len(n.Containers) == 0 && n.Name != "bridge" {
			gone = append(gone, n.Name)
			return true
		}
		return false
	})
	return gone, nil
}
