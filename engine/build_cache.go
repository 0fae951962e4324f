package engine

import (
	"context"

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

// PruneBuildCache removes the build cache: every cached step image no
// container uses, and the cache index. It returns the bytes reclaimed.
func (e *Engine) PruneBuildCache(ctx context.Context) (int64, error) {
	imgs, err := e.images.List()
	if err != nil {
		return 0, err
	}
	shown, cached := e.splitBuildCache(imgs)
	size := buildCacheSize(shown, cached)
	gone := map[string]bool{}
	for _, img := range cached {
		if users, _ := e.imageUsers(img.ID); len(users) > 0 {
			continue
		}
		if err := e.withLock(func() error { _, err := e.images.Remove(img.ID, false); return err }); err != nil {
			continue // a child step image still names it; removed in its turn or kept
		}
		gone[img.ID] = true
	}
	c, err := build.OpenCache(e.buildCacheDir())
	if err != nil {
		return 0, err
	}
	return size, c.Forget(gone)
}
