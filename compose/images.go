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
	if s.Build != nil && (build || missing || s.PullPolicy == types.PullPolicyBuild) {
		return r.build(ctx, s, BuildOptions{})
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

// BuildOptions are `compose build`'s.
type BuildOptions struct {
	NoCache bool              // --no-cache, besides each build's no_cache
	Pull    bool              // --pull: always fetch the FROM images, besides each build's pull
	Args    map[string]string // --build-arg, over each build's args
	// WithDeps builds the services' dependencies too (transitively), as
	// --with-dependencies does. The default is the services named only.
	WithDeps bool
	// Push pushes the images built (image: and the build's tags) after
	// the builds, as --push does. The default is not to push.
	Push bool
}

// build builds a service's image with the engine's builder, tagged with
// the image's name and the build's tags.
func (r *Runner) build(ctx context.Context, s types.ServiceConfig, bo BuildOptions) error {
	b := s.Build
	img := ImageName(r.P, s)
	opts := engine.BuildOptions{ContextDir: b.Context, Tags: append([]string{img}, b.Tags...), Target: b.Target,
		NoCache: b.NoCache || bo.NoCache, BuildArgs: map[string]string{}, Labels: map[string]string{}}
	if b.Dockerfile != "" {
		opts.Dockerfile = b.Dockerfile
		if !filepath.IsAbs(b.Dockerfile) {
			opts.Dockerfile = filepath.Join(b.Context, b.Dockerfile)
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
	if b.Pull || bo.Pull {
		opts.Pull = "always"
	}
	for k, v := range b.Args {
		if v != nil { // an arg without a value and not in the environment is left to the Dockerfile's default
			opts.BuildArgs[k] = *v
		}
	}
	for k, v := range bo.Args {
		opts.BuildArgs[k] = v
	}
	for k, v := range b.Labels {
		opts.Labels[k] = v
	}
	opts.Labels[LabelProject] = r.P.Name
	r.say("Image", img, "Building")
	if _, err := r.E.Build(ctx, opts, nil); err != nil {
		return fmt.Errorf("building %s: %w", img, err)
	}
	r.say("Image", img, "Built")
	return nil
}

// Build builds the images of the services named (all with a build
// section when none).
func (r *Runner) Build(ctx context.Context, services []string, o BuildOptions) error {
	deps := types.IgnoreDependencies
	if o.WithDeps {
		deps = types.IncludeDependencies
	}
	list, err := r.order(services, deps)
	if err != nil {
		return err
	}
	var built []string
	for _, s := range list {
		if s.Build == nil {
			continue
		}
		if err := r.build(ctx, s, o); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		built = append(built, s.Name)
	}
	if o.Push && len(built) > 0 {
		return r.Push(ctx, built, false)
	}
	return nil
}

// PullOptions are `compose pull`'s.
type PullOptions struct {
	IgnoreBuildable bool // --ignore-buildable: skip services that have a build section
	IgnoreFailures  bool // --ignore-pull-failures: warn and go on
	// Policy, when set ("missing" or "always"), replaces each service's
	// pull_policy, as --policy does. The default is each service's own.
	Policy string
	// IncludeDeps pulls the services' dependencies too, as --include-deps
	// does. The default is the services named only.
	IncludeDeps bool
}

// Pull pulls the images of the services named (all when none), as
// docker compose does: services without image:, or whose pull_policy is
// never or build, are skipped, as are those with policy missing whose
// image is present; a failure of a service that can be built is a
// warning, not an error.
func (r *Runner) Pull(ctx context.Context, services []string, o PullOptions) error {
	switch o.Policy {
	case "", types.PullPolicyMissing, types.PullPolicyIfNotPresent, types.PullPolicyAlways:
	default:
		return fmt.Errorf("invalid --policy %q: missing or always: %w", o.Policy, errdefs.ErrInvalid)
	}
	deps := types.IgnoreDependencies
	if o.IncludeDeps {
		deps = types.IncludeDependencies
	}
	list, err := r.order(services, deps)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	var errs []error
	for _, s := range list {
		if o.Policy != "" {
			s.PullPolicy = o.Policy
		}
		skip := ""
		switch {
		case s.Image == "":
			skip = "Skipped - No image to be pulled"
		case s.PullPolicy == types.PullPolicyNever || s.PullPolicy == types.PullPolicyBuild:
			skip = "Skipped"
		case s.Build != nil && o.IgnoreBuildable:
			skip = "Skipped - Image can be built"
		case s.PullPolicy == types.PullPolicyMissing || s.PullPolicy == types.PullPolicyIfNotPresent:
			if _, err := r.E.ResolveImage(s.Image); err == nil {
				skip = "Skipped - Image is already present locally"
			}
		}
		if skip != "" {
			r.say("Service", s.Name, skip)
			continue
		}
		if done[s.Image] {
			continue
		}
		done[s.Image] = true
		r.say("Image", s.Image, "Pulling")
		if _, err := r.E.Pull(ctx, s.Image, engine.RegistryOptions{Platform: s.Platform}); err != nil {
			if s.Build != nil || o.IgnoreFailures {
				r.mu.Lock()
				fmt.Fprintf(r.Out, "WARN service %q: pulling %s: %v\n", s.Name, s.Image, err)
				r.mu.Unlock()
				continue
			}
			errs = append(errs, fmt.Errorf("service %q: %w", s.Name, err))
			continue
		}
		r.say("Image", s.Image, "Pulled")
	}
	return errors.Join(errs...)
}

// Push pushes the images of the services named (all when none) that are
// built and have a name: image: and the build's tags.
func (r *Runner) Push(ctx context.Context, services []string, ignoreFailures bool) error {
	list, err := r.order(services, types.IgnoreDependencies)
	if err != nil {
		return err
	}
	for _, s := range list {
		if s.Build == nil || s.Image == "" {
			continue
		}
		for _, ref := range append([]string{s.Image}, s.Build.Tags...) {
			r.say("Image", ref, "Pushing")
			if _, err := r.E.Push(ctx, ref, engine.RegistryOptions{}); err != nil {
				if ignoreFailures {
					r.mu.Lock()
					fmt.Fprintf(r.Out, "WARN service %q: pushing %s: %v\n", s.Name, ref, err)
					r.mu.Unlock()
					continue
				}
				return fmt.Errorf("service %q: %w", s.Name, err)
			}
			r.say("Image", ref, "Pushed")
		}
	}
	return nil
}
