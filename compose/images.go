package compose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// ensureImage builds a service's image (when it has a build section and
// the image is missing, or always with build) or pulls a missing one.
func (r *Runner) ensureImage(ctx context.Context, s types.ServiceConfig, build bool) error {
	img := ImageName(r.P, s)
	_, err := r.E.ResolveImage(img)
	missing := errors.Is(err, errdefs.ErrNotFound)
	if err != nil && !missing {
		return err
	}
	if s.Build != nil && (build || missing) {
		return r.build(ctx, s)
	}
	switch {
	case s.PullPolicy == types.PullPolicyAlways, missing && s.PullPolicy != types.PullPolicyNever:
		r.say("Image", img, "Pulling")
		if _, err := r.E.Pull(ctx, img, engine.RegistryOptions{Platform: s.Platform}); err != nil {
			return err
		}
		r.say("Image", img, "Pulled")
	case missing:
		return fmt.Errorf("image %q: not found (pull_policy: never)", img)
	}
	return nil
}

// build builds a service's image with the engine's builder.
func (r *Runner) build(ctx context.Context, s types.ServiceConfig) error {
	b := s.Build
	img := ImageName(r.P, s)
	opts := engine.BuildOptions{ContextDir: b.Context, Tags: []string{img}, Target: b.Target, NoCache: b.NoCache,
		BuildArgs: map[string]string{}, Labels: map[string]string(b.Labels)}
	if b.Dockerfile != "" {
		opts.Dockerfile = b.Dockerfile
		if !isAbs(b.Dockerfile) {
			opts.Dockerfile = b.Context + "/" + b.Dockerfile
		}
	}
	if b.DockerfileInline != "" {
		dir, err := os.MkdirTemp("", "berth-compose-inline-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		opts.Dockerfile = filepath.Join(dir, "Dockerfile")
		if err := os.WriteFile(opts.Dockerfile, []byte(b.DockerfileInline), 0o600); err != nil {
			return err
		}
	}
	if b.Pull {
		opts.Pull = "always"
	}
	for k, v := range b.Args {
		if v != nil {
			opts.BuildArgs[k] = *v
		}
	}
	if opts.Labels == nil {
		opts.Labels = map[string]string{}
	}
	opts.Labels[LabelProject] = r.P.Name
	r.say("Image", img, "Building")
	if _, err := r.E.Build(ctx, opts, nil); err != nil {
		return fmt.Errorf("building %s: %w", img, err)
	}
	r.say("Image", img, "Built")
	return nil
}

func isAbs(p string) bool { return len(p) > 0 && p[0] == '/' }

// Build builds the images of the services named (all with a build
// section when none).
func (r *Runner) Build(ctx context.Context, services []string) error {
	list, err := r.order(services, types.IgnoreDependencies)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.Build == nil {
			continue
		}
		if err := r.build(ctx, s); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
	}
	return nil
}

// Pull pulls the images of the services named that are not only built.
func (r *Runner) Pull(ctx context.Context, services []string) error {
	list, err := r.order(services, types.IgnoreDependencies)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.Image == "" {
			continue
		}
		r.say("Image", s.Image, "Pulling")
		if _, err := r.E.Pull(ctx, s.Image, engine.RegistryOptions{Platform: s.Platform}); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		r.say("Image", s.Image, "Pulled")
	}
	return nil
}

// Push pushes the images of the services named that have a build
// section and an image name.
func (r *Runner) Push(ctx context.Context, services []string) error {
	list, err := r.order(services, types.IgnoreDependencies)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.Build == nil || s.Image == "" {
			continue
		}
		r.say("Image", s.Image, "Pushing")
		if _, err := r.E.Push(ctx, s.Image, engine.RegistryOptions{}); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		r.say("Image", s.Image, "Pushed")
	}
	return nil
}
