package compose

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// When an existing container is replaced, docker compose's policies.
const (
	RecreateDiverged = "diverged" // when its config hash or image changed (the default)
	RecreateForce    = "force"    // always
	RecreateNever    = "never"    // never: a changed container is kept
)

// recreate is the policy for one service: --force-recreate applies to
// the services named (all when none), --always-recreate-deps to the
// dependencies pulled in, which are otherwise recreated only when they
// diverged.
func (o UpOptions) recreate(service string) string {
	named := len(o.Services) == 0 || slices.Contains(o.Services, service)
	switch {
	case o.NoRecreate:
		return RecreateNever
	case named && o.ForceRecreate, !named && o.AlwaysDeps:
		return RecreateForce
	}
	return RecreateDiverged
}

// converge makes a service's containers what the file says: missing
// replicas created, changed ones recreated (by config hash, or because
// the service's image is now another, as after up --build) as policy
// allows, extra ones removed, and with start, stopped ones started.
func (r *Runner) converge(ctx context.Context, s types.ServiceConfig, policy string, start bool, timeout time.Duration) error {
	hash, err := ConfigHash(s)
	if err != nil {
		return err
	}
	img, err := r.E.ResolveImage(ImageName(r.P, s))
	if err != nil {
		return err
	}
	want := Replicas(s)
	have := map[int]engine.ContainerSummary{}
	for _, c := range r.serviceContainers(s.Name) {
		n := number(c)
		if n > want || n < 1 {
			if err := r.removeContainer(ctx, c, timeout); err != nil {
				return err
			}
			continue
		}
		have[n] = c
	}
	for n := 1; n <= want; n++ {
		c, ok := have[n]
		same := c.Labels[LabelConfigHash] == hash && c.ImageID == img.ID
		if ok && (policy == RecreateNever || policy == RecreateDiverged && same) {
			switch {
			case c.State == "running" || c.State == "restarting":
				r.say("Container", Name(c), "Running")
			case !start:
				r.say("Container", Name(c), "Created")
			default:
				if _, err := r.E.Start(ctx, c.ID, nil); err != nil {
					return err
				}
				r.say("Container", Name(c), "Started")
			}
			continue
		}
		if ok {
			if err := r.removeContainer(ctx, c, timeout); err != nil {
				return err
			}
			r.say("Container", Name(c), "Recreate")
		}
		if err := r.create(ctx, s, n, hash, img.ID, start); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) removeContainer(ctx context.Context, c engine.ContainerSummary, timeout time.Duration) error {
	if c.State == "running" || c.State == "paused" || c.State == "restarting" {
		if err := r.E.Stop(ctx, c.ID, timeout); err != nil {
			return err
		}
	}
	if err := r.E.Remove(ctx, c.ID, true); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return err
	}
	r.say("Container", Name(c), "Removed")
	return nil
}

// create makes replica n of s from the image imageID, joining its other
// networks, and with start starts it.
func (r *Runner) create(ctx context.Context, s types.ServiceConfig, n int, hash, imageID string, start bool) error {
	opts, nets, aliases, err := createOptions(r.P, s, n, hash, false)
	if err != nil {
		return err
	}
	opts.Labels[LabelImage] = imageID
	id, err := r.E.Create(opts)
	if err != nil {
		return err
	}
	r.say("Container", opts.Name, "Created")
	for _, net := range nets[min(1, len(nets)):] {
		if err := r.E.Connect(ctx, net, id, aliases[net]); err != nil {
			return fmt.Errorf("network %s: %w", net, err)
		}
	}
	if !start {
		return nil
	}
	if _, err := r.E.Start(ctx, id, nil); err != nil {
		return err
	}
	r.say("Container", opts.Name, "Started")
	return nil
}
