package engine

import (
	"context"
	"time"

	"github.com/berthdev/berth/build"
	"github.com/berthdev/berth/layers"
)

// A build keeps one untagged image per step, as docker's classic builder
// does; package build's Cache (<root>/buildcache) maps step keys to them
// and indexes them. Those images are the build cache: `berth images` and
// `system df` do not list them, `system df` counts their own layers as
// "Build Cache", and PruneBuildCache removes them. An untagged final
// image of a build is recorded as a build result and listed like any
// image.

// splitBuildCache separates the build cache's step images from imgs.
func (e *Engine) splitBuildCache(imgs []*layers.Image) (shown, cached []*layers.Image) {
	c, err := build.OpenCache(e.buildCacheDir())
	if err != nil {
		return imgs, nil
	}
	ids, _ := c.StepIDs()
	if len(ids) == 0 {
		return imgs, nil
	}
	for _, img := range imgs {
		if len(img.Names) == 0 && ids[img.ID] && !c.IsResult(img.ID) {
			cached = append(cached, img)
		} else {
			shown = append(shown, img)
		}
	}
	return shown, cached
}

// buildCacheSize is the uncompressed size of the layers only cached
// step images hold.
func buildCacheSize(shown, cached []*layers.Image) int64 {
	used := map[string]bool{}
	for _, img := range shown {
		for _, l := range img.Layers {
			used[l.ChainID] = true
		}
	}
	var n int64
	for _, img := range cached {
		for _, l := range img.Layers {
			if !used[l.ChainID] {
				used[l.ChainID] = true
				n += l.DiffSize
			}
		}
	}
	return n
}

// BuildCacheUsage is the size of the build cache, as `system df` shows it.
func (e *Engine) BuildCacheUsage() (int64, error) {
	imgs, err := e.images.List()
	if err != nil {
		return 0, err
	}
	shown, cached := e.splitBuildCache(imgs)
	return buildCacheSize(shown, cached), nil
}

// BuildCachePruneOptions is `berth builder prune`.
type BuildCachePruneOptions struct {
	// All removes every step image no tag or container needs itself
	// (-a); the default keeps the steps of what is tagged or used.
	All bool
	// Until keeps the cache made at or after it (--filter until=); the
	// default (zero) keeps nothing for its age.
	Until time.Time
}

// BuildCachePruneReport is what a prune of the build cache removed.
type BuildCachePruneReport struct {
	Deleted   []string // image IDs of the step images removed
	Reclaimed int64    // uncompressed size of the layers deleted with them
}

// PruneBuildCache removes the step images of the build cache that no tag
// and no container needs (build.PruneSet), found from the cache's index
// and index.json, with one rewrite of index.json and one collection:
// nothing scans or loads every image. Index records whose image is gone
// (a crash between the two removals, an rmi) are dropped as well.
func (e *Engine) PruneBuildCache(ctx context.Context, o BuildCachePruneOptions) (*BuildCachePruneReport, error) {
	c, err := build.OpenCache(e.buildCacheDir())
	if err != nil {
		return nil, err
	}
	rep := &BuildCachePruneReport{}
	err = e.withLock(func() error {
		steps, err := c.Steps()
		if err != nil {
			return err
		}
		listed, err := e.images.Listed()
		if err != nil {
			return err
		}
		used, err := e.usedImages()
		if err != nil {
			return err
		}
		forget := map[string]bool{}
		var live []build.Step
		for _, s := range steps {
			if s.Digest == "" { // a record from before the index had digests
				if img, err := e.images.Resolve(s.ID); err == nil && img.ID == s.ID {
					s.Digest = img.Digest
				}
			}
			if _, ok := listed[s.Digest]; !ok {
				forget[s.ID] = true // its image is gone
				continue
			}
			live = append(live, s)
		}
		needed := func(s build.Step) bool { return len(listed[s.Digest]) > 0 || used[s.ID] }
		remove := build.PruneSet(live, needed, func(s build.Step) bool { return c.IsResult(s.ID) }, o.All, o.Until)
		var digests []string
		var imgs []*layers.Image
		for _, s := range remove {
			if img, err := e.images.ImageByDigest(s.Digest); err == nil {
				imgs = append(imgs, img)
			}
			digests = append(digests, s.Digest)
		}
		deleted, err := e.images.RemoveUntagged(digests)
		if err != nil {
			return err
		}
		gone := map[string]bool{}
		for _, d := range deleted {
			gone[d] = true
		}
		for _, s := range remove {
			forget[s.ID] = true
			rep.Deleted = append(rep.Deleted, s.ID)
		}
		for _, img := range imgs {
			for _, l := range img.Layers {
				if gone[l.Digest] {
					delete(gone, l.Digest)
					rep.Reclaimed += l.DiffSize
				}
			}
		}
		return c.Forget(forget)
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// usedImages is the set of image IDs containers were created from.
func (e *Engine) usedImages() (map[string]bool, error) {
	ids, err := e.containerIDs()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, id := range ids {
		if r, err := e.loadRecord(id); err == nil {
			out[r.ImageID] = true
		}
	}
	return out, nil
}
