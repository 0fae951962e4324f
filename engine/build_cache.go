package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/berthdev/berth/build"
	"github.com/berthdev/berth/layers"
)

// A build keeps one untagged image per step, as docker's classic builder
// does; the step cache (<root>/buildcache/<key> -> image ID) points at
// them, and buildcache/.steps/ lists them. Those images are the build cache: `berth images` and `system df`
// do not list them, `system df` counts their own layers as "Build Cache",
// and PruneBuildCache removes them. An untagged final image of a build is
// recorded under buildcache/.results/ and listed like any image.

func (e *Engine) buildResultsDir() string { return filepath.Join(e.buildCacheDir(), ".results") }

// markBuildResult records id as a build's final image.
func (e *Engine) markBuildResult(id string) {
	dir := e.buildResultsDir()
	if os.MkdirAll(dir, 0o700) == nil {
		os.WriteFile(filepath.Join(dir, strings.TrimPrefix(id, "sha256:")), nil, 0o600)
	}
}

func (e *Engine) buildStepsDir() string { return filepath.Join(e.buildCacheDir(), ".steps") }

// markBuildStep records id as an image a build step made.
func (e *Engine) markBuildStep(id string) {
	dir := e.buildStepsDir()
	if os.MkdirAll(dir, 0o700) == nil {
		os.WriteFile(filepath.Join(dir, strings.TrimPrefix(id, "sha256:")), nil, 0o600)
	}
}

// splitBuildCache separates the build cache's step images from imgs.
func (e *Engine) splitBuildCache(imgs []*layers.Image) (shown, cached []*layers.Image) {
	des, err := os.ReadDir(e.buildStepsDir())
	if err != nil || len(des) == 0 {
		return imgs, nil
	}
	ids := map[string]bool{}
	for _, d := range des {
		ids["sha256:"+d.Name()] = true
	}
	for _, img := range imgs {
		if len(img.Names) == 0 && ids[img.ID] && !e.isBuildResult(img.ID) {
			cached = append(cached, img)
		} else {
			shown = append(shown, img)
		}
	}
	return shown, cached
}

func (e *Engine) isBuildResult(id string) bool {
	_, err := os.Stat(filepath.Join(e.buildResultsDir(), strings.TrimPrefix(id, "sha256:")))
	return err == nil
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
	for _, img := range cached {
		if users, _ := e.imageUsers(img.ID); len(users) > 0 {
			continue
		}
		if err := e.withLock(func() error { _, err := e.images.Remove(img.ID, false); return err }); err != nil {
			continue // a child step image still names it; removed in its turn or kept
		}
	}
	c, err := build.OpenCache(e.buildCacheDir())
	if err != nil {
		return 0, err
	}
	ents, _ := c.Entries()
	for k, id := range ents {
		if !e.images.HasConfig(id) {
			c.Remove(k)
		}
	}
	for _, img := range cached {
		if !e.images.HasConfig(img.ID) {
			os.Remove(filepath.Join(e.buildStepsDir(), strings.TrimPrefix(img.ID, "sha256:")))
		}
	}
	return size, nil
}
