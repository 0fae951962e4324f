package engine

import (
	"context"
	"errors"

	"github.com/berthdev/berth/internal/errdefs"
)

// PruneReport is what a prune removed and the bytes it freed.
type PruneReport struct {
	Containers []string       // IDs
	Images     []RemovedImage // each image's untagged names and deleted IDs
	Reclaimed  int64
}

// PruneContainers removes every stopped container (created, exited or dead),
// as `docker container prune` does; a running, paused or restarting one
// stays. A container that changes state meanwhile is left alone, not an
// error.
func (e *Engine) PruneContainers(ctx context.Context) (*PruneReport, error) {
	du, err := e.DiskUsage()
	if err != nil {
		return nil, err
	}
	rep := &PruneReport{}
	var errs []error
	for _, c := range du.Containers {
		switch c.State {
		case "running", "paused", "restarting":
			continue
		}
		if err := e.Remove(ctx, c.ID, false); err != nil {
			if !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, errdefs.ErrFailedPrecondition) {
				errs = append(errs, err)
			}
			continue
		}
		rep.Containers = append(rep.Containers, c.ID)
		rep.Reclaimed += c.SizeRw
	}
	return rep, errors.Join(errs...)
}

// PruneImages removes the dangling images (no name) that no container
// uses, as `docker image prune`; with all, every image no container uses
// (`-a`), then the build cache's step images (PruneBuildCache with the
// same all). Reclaimed counts the layers no remaining image shares.
func (e *Engine) PruneImages(all bool) (*PruneReport, error) {
	du, err := e.DiskUsage()
	if err != nil {
		return nil, err
	}
	rep := &PruneReport{}
	var errs []error
	for _, img := range du.Images {
		if img.Containers > 0 || (!all && len(img.RepoTags) > 0) {
			continue
		}
		rm, err := e.RemoveImage(img.ID, true)
		if err != nil {
			if !errors.Is(err, errdefs.ErrNotFound) {
				errs = append(errs, err)
			}
			continue
		}
		rep.Images = append(rep.Images, rm)
		rep.Reclaimed += img.UniqueSize
	}
	// The build cache's unreferenced step images are untagged images too
	// (docker's classic builder): dangling ones go, and with all every one
	// no tag or container needs, as PruneBuildCache chooses them.
	cache, err := e.PruneBuildCache(context.Background(), BuildCachePruneOptions{All: all})
	if err != nil {
		errs = append(errs, err)
	} else {
		for _, id := range cache.Deleted {
			rep.Images = append(rep.Images, RemovedImage{Deleted: []string{id}})
		}
		rep.Reclaimed += cache.Reclaimed
	}
	return rep, errors.Join(errs...)
}
