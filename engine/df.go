package engine

import (
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// DiskUsage is `berth system df`: what images, containers and volumes
// take on disk, with docker's notion of layer sharing.
type DiskUsage struct {
	LayersSize int64 // every layer once, however many images share it
	// Reclaimable is what removing the images no container uses would
	// free: the layers only they have.
	Reclaimable int64
	Images      []ImageUsage
	Containers  []ContainerUsage
	Volumes     []VolumeUsage
	// BuildCacheSize is the size of the layers only the build cache's
	// step images hold (see engine/build_cache.go).
	BuildCacheSize  int64
	BuildCacheCount int // cached build step images
	// LayerCopiesSize is the bytes of the layers' chowned copies for
	// user namespaces without idmapped mounts (usernscopy.go), also
	// counted in LayersSize and in their images' SharedSize (below).
	LayerCopiesSize int64
}

// ImageUsage is one image's disk use. SharedSize is the size of its
// layers that other images use too; UniqueSize the rest.
//
// The chowned copies of an image's layers (idmapped/<map>/<chain ID>,
// usernscopy.go) are counted where docker would show them: docker's
// userns-remap keeps a second image store under /var/lib/docker/UID.GID,
// whose images are what its system df counts, so a copy is image data.
// Its bytes are in LayersSize (the Images row), not Reclaimable (a copy
// goes with its map's last container, not with an image), and in the
// Size and SharedSize of each image with that layer: shared, as it
// serves every container of its map, and not unique, since removing
// the image frees none of it (prune's reclaimed figure is UniqueSize).
type ImageUsage struct {
	ImageSummary
	SharedSize int64
	UniqueSize int64
	Containers int // containers using it
}

// ContainerUsage is one container's writable layer.
type ContainerUsage struct {
	ContainerSummary
	SizeRw       int64 // bytes in its writable layer
	LocalVolumes int   // managed volumes it mounts
}

// VolumeUsage is one managed volume under <root>/volumes.
type VolumeUsage struct {
	Name  string
	Size  int64
	Links int // containers that mount it
}

// DiskUsage measures the store.
func (e *Engine) DiskUsage() (*DiskUsage, error) {
	imgs, err := e.images.List()
	if err != nil {
		return nil, err
	}
	cs, err := e.List(true)
	if err != nil {
		return nil, err
	}
	imgs, cachedSteps := e.splitBuildCache(imgs)
	du := &DiskUsage{BuildCacheSize: buildCacheSize(imgs, cachedSteps), BuildCacheCount: len(cachedSteps)}
	users := map[string]int{}
	for _, c := range cs {
		users[c.ImageID]++
		du.Containers = append(du.Containers, ContainerUsage{ContainerSummary: c, SizeRw: dirSize(filepath.Join(e.containerDir(c.ID), "upper"))})
	}
	layerUsers := map[string]int{}
	layerSize := map[string]int64{}
	for _, img := range imgs {
		seen := map[string]bool{}
		for _, l := range img.Layers {
			if !seen[l.ChainID] {
				seen[l.ChainID] = true
				layerUsers[l.ChainID]++
				layerSize[l.ChainID] = l.DiffSize
			}
		}
	}
	active := map[string]bool{}
	for _, img := range imgs {
		for _, l := range img.Layers {
			if users[img.ID] > 0 {
				active[l.ChainID] = true
			}
		}
	}
	for chain, n := range layerSize {
		du.LayersSize += n
		if !active[chain] {
			du.Reclaimable += n
		}
	}
	copies := e.layerCopySizes()
	for _, n := range copies {
		du.LayerCopiesSize += n
	}
	du.LayersSize += du.LayerCopiesSize
	for _, img := range imgs {
		u := ImageUsage{ImageSummary: summarize(img), Containers: users[img.ID]}
		seen := map[string]bool{}
		for _, l := range img.Layers {
			if seen[l.ChainID] {
				continue
			}
			seen[l.ChainID] = true
			_, hex, _ := strings.Cut(l.ChainID, ":") // a snapshot's and its copies' name
			u.Size += copies[hex]
			u.SharedSize += copies[hex]
			if layerUsers[l.ChainID] > 1 {
				u.SharedSize += l.DiffSize
			} else {
				u.UniqueSize += l.DiffSize
			}
		}
		du.Images = append(du.Images, u)
	}
	vols, err := e.ListVolumes()
	if err != nil {
		return nil, err
	}
	mounting := map[string]int{} // container name -> volumes it mounts
	for _, v := range vols {
		du.Volumes = append(du.Volumes, VolumeUsage{Name: v.Name, Size: dirSize(v.Mountpoint), Links: len(v.UsedBy)})
		for _, c := range v.UsedBy {
			mounting[c]++
		}
	}
	for i := range du.Containers {
		if n := du.Containers[i].Names; len(n) > 0 {
			du.Containers[i].LocalVolumes = mounting[strings.TrimPrefix(n[0], "/")]
		}
	}
	return du, nil
}

// dirSize is the bytes of the regular files under dir, each hard-linked
// file once (0 if dir is missing).
func dirSize(dir string) int64 {
	var n int64
	seen := map[uint64]bool{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		n += fi.Size()
		return nil
	})
	return n
}
