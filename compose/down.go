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

// DownOptions are `compose down`'s.
type DownOptions struct {
	// Services are the only ones whose containers go (all when none);
	// networks, volumes and images then go only when no container of
	// the project is left.
	Services      []string
	Volumes       bool   // -v: remove named volumes and anonymous ones
	RemoveImages  string // --rmi local|all
	RemoveOrphans bool
	Timeout       time.Duration
}

// Down stops and removes the project's containers (dependants first),
// then its networks; with Volumes its volumes, with RemoveImages its
// images.
func (r *Runner) Down(ctx context.Context, o DownOptions) error {
	services, err := r.order(nil, types.IncludeDependencies)
	if err != nil {
		return err
	}
	cs, err := Containers(r.E, r.P.Name, true)
	if err != nil {
		return err
	}
	rank := map[string]int{}
	for i, s := range services {
		rank[s.Name] = i
	}
	slices.SortStableFunc(cs, func(a, b engine.ContainerSummary) int {
		ra, oka := rank[a.Labels[LabelService]]
		rb, okb := rank[b.Labels[LabelService]]
		if !oka {
			ra = len(services) // orphans go first
		}
		if !okb {
			rb = len(services)
		}
		return rb - ra
	})
	for _, name := range o.Services {
		if _, err := r.P.GetService(name); err != nil {
			return err
		}
	}
	left := 0
	for _, c := range cs {
		if len(o.Services) > 0 && !slices.Contains(o.Services, c.Labels[LabelService]) {
			left++
			continue
		}
		if _, known := rank[c.Labels[LabelService]]; !known && !o.RemoveOrphans && c.Labels[LabelOneoff] != "True" {
			left++
			continue
		}
		if err := r.E.Stop(ctx, c.ID, o.Timeout); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		r.say("Container", Name(c), "Stopped")
		if err := r.E.RemoveWithVolumes(ctx, c.ID, true, o.Volumes); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		r.say("Container", Name(c), "Removed")
	}
	if len(o.Services) > 0 && left > 0 {
		return nil // the other services still use the networks and volumes
	}
	keys := make([]string, 0, len(r.P.Networks))
	for k := range r.P.Networks {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if bool(r.P.Networks[k].External) {
			continue
		}
		name := networkName(r.P, k)
		if err := r.E.RemoveNetwork(name); err == nil {
			r.say("Network", name, "Removed")
		} else if !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	if o.Volumes {
		vkeys := make([]string, 0, len(r.P.Volumes))
		for k := range r.P.Volumes {
			vkeys = append(vkeys, k)
		}
		slices.Sort(vkeys)
		for _, k := range vkeys {
			if bool(r.P.Volumes[k].External) {
				continue
			}
			name := volumeName(r.P, k)
			if err := r.E.RemoveVolume(name, false); err == nil {
				r.say("Volume", name, "Removed")
			} else if !errors.Is(err, errdefs.ErrNotFound) {
				return err
			}
		}
	}
	switch o.RemoveImages {
	case "":
	case "local", "all":
		for _, s := range services {
			if o.RemoveImages == "local" && s.Image != "" {
				continue // local: only images built for the project (no image: name)
			}
			img := ImageName(r.P, s)
			if _, err := r.E.RemoveImage(img, false); err == nil {
				r.say("Image", img, "Removed")
			} else if !errors.Is(err, errdefs.ErrNotFound) {
				return err
			}
		}
	default:
		return fmt.Errorf("--rmi %q: must be local or all", o.RemoveImages)
	}
	return nil
}
