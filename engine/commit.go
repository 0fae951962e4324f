package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// CommitOptions is `berth commit`.
type CommitOptions struct {
	Repo    string   // REPO[:TAG] naming the new image; empty for an untagged one
	Changes []string // Dockerfile instructions applied to the config (-c)
	Message string   // the history comment (-m)
	Author  string   // -a
	Pause   bool     // freeze a running container while its layer is read
}

// Commit makes a new image of a container: its image's layers plus one
// layer holding exactly the container's changes (whiteouts kept), with
// the container's configuration (command, environment, working directory,
// user, labels, ports, volumes) and o.Changes applied. It works on
// running and exited containers, and returns the new image ID.
func (e *Engine) Commit(ctx context.Context, ref string, o CommitOptions) (string, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return "", err
	}
	base, err := e.images.Resolve(r.ImageID)
	if errors.Is(err, errdefs.ErrNotFound) {
		base, err = e.images.HeldImage(r.ImageID) // deleted by rmi -f, kept for r
	}
	if err != nil {
		return "", fmt.Errorf("container %s: its image: %w", r.Name, err)
	}
	cfg, err := layers.ApplyChanges(commitConfig(base.Config, r), o.Changes)
	if err != nil {
		return "", err
	}
	if o.Pause {
		if st, err := e.loadState(r.ID); err == nil && st.Status == container.Running {
			if err := e.pauseHeld(r.ID); err != nil {
				return "", err
			}
			defer e.Unpause(r.ID)
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	upper := filepath.Join(e.containerDir(r.ID), "upper")
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(upperTar(pw, r, upper, layers.WriteUpperTar)) }()
	defer pr.CloseWithError(io.ErrClosedPipe) // unblocks the writer if the store stopped early
	var img *layers.Image
	err = e.withLock(func() (err error) {
		img, err = e.images.AppendLayer(base, pr, o.Repo, layers.CommitOptions{
			Config: cfg, Author: o.Author, Comment: o.Message,
			CreatedBy: strings.TrimSpace(r.Path + " " + strings.Join(r.Args, " ")),
		})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("committing container %s: %w", r.Name, err)
	}
	e.emit(containerEvent("commit", r, map[string]string{"comment": o.Message, "imageID": img.ID}))
	if o.Repo != "" {
		e.emit(imageEvent("tag", img.ID, o.Repo))
	}
	return img.ID, nil
}

// commitConfig is the config of a committed image, as docker makes it:
// the container's own, over its image's.
func commitConfig(img layers.ImageConfig, r *record) layers.ImageConfig {
	c := img
	c.User, c.Env, c.Cmd, c.Entrypoint = r.Config.User, r.Config.Env, r.Config.Cmd, r.Config.Entrypoint
	if r.Config.WorkingDir != "/" || img.WorkingDir != "" {
		c.WorkingDir = r.Config.WorkingDir
	}
	if len(r.Config.Labels) > 0 {
		c.Labels = r.Config.Labels
	}
	c.ExposedPorts, c.Volumes = r.Config.ExposedPorts, r.Config.Volumes
	if r.StopSignal != "" && r.StopSignal != "SIGTERM" {
		c.StopSignal = r.StopSignal
	}
	return c
}
