package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// UpOptions are `compose up`'s.
type UpOptions struct {
	Services      []string       // only these (and, unless NoDeps, what they depend on)
	Build         bool           // --build: build images before starting
	ForceRecreate bool           // --force-recreate: the services named (all when none), even unchanged
	NoRecreate    bool           // --no-recreate: keep existing containers even when changed
	AlwaysDeps    bool           // --always-recreate-deps: recreate the dependencies pulled in
	NoStart       bool           // --no-start (compose create): create, start nothing
	NoBuild       bool           // --no-build: never build, even a missing image
	NoDeps        bool           // --no-deps
	Scale         map[string]int // --scale SERVICE=N
	RemoveOrphans bool           // --remove-orphans
	Pull          string         // --pull always|missing|never: overrides each service's pull_policy; "" keeps them
	Wait          bool           // --wait: until running, and healthy where a check exists
	WaitTimeout   time.Duration  // for --wait and for service_healthy; 0 is 5 minutes
	Timeout       time.Duration  // stop timeout when recreating; <0 is each container's own
}

// Runner runs a project's verbs on an engine, writing docker compose's
// progress lines (" Container web-1  Started") to Out.
type Runner struct {
	E   *engine.Engine
	P   *types.Project
	Out io.Writer
	// Quiet leaves out the progress lines (" Image x  Pulled"); warnings
	// and errors still go to Out. The default is to print them.
	Quiet bool
	mu    sync.Mutex
}

func (r *Runner) say(kind, name, what string) {
	if r.Quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.Out, " %s %s  %s\n", kind, name, what)
}

// order is the services named (all when none), dependencies first.
func (r *Runner) order(names []string, opt types.DependencyOption) ([]types.ServiceConfig, error) {
	var out []types.ServiceConfig
	err := r.P.ForEachService(names, func(name string, s *types.ServiceConfig) error {
		out = append(out, *s)
		return nil
	}, opt)
	return out, err
}

// Up creates what the project needs and starts its services in
// dependency order. A service that fails stops the run with an error
// naming it; what started before it stays up.
func (r *Runner) Up(ctx context.Context, o UpOptions) error {
	p := r.P
	if o.NoRecreate && (o.ForceRecreate || o.AlwaysDeps) {
		return fmt.Errorf("--no-recreate is incompatible with --force-recreate and --always-recreate-deps")
	}
	if o.Build && o.NoBuild {
		return fmt.Errorf("--build and --no-build are incompatible")
	}
	switch o.Pull {
	case "", types.PullPolicyAlways, types.PullPolicyMissing, types.PullPolicyNever:
	default:
		return fmt.Errorf("--pull %q: must be always, missing or never", o.Pull)
	}
	for name, n := range o.Scale {
		s, err := p.GetService(name)
		if err != nil {
			return fmt.Errorf("--scale %s=%d: %w", name, n, err)
		}
		s.Scale = &n
		p.Services[name] = s
	}
	opt := types.IncludeDependencies
	if o.NoDeps {
		opt = types.IgnoreDependencies
	}
	services, err := r.order(o.Services, opt)
	if err != nil {
		return err
	}
	if err := r.ensureNetworks(services); err != nil {
		return err
	}
	if err := r.ensureVolumes(services); err != nil {
		return err
	}
	if err := r.orphans(o.RemoveOrphans, o.Timeout); err != nil {
		return err
	}
	for _, s := range services {
		if o.Pull != "" {
			s.PullPolicy = o.Pull // a copy: the config hash keeps the file's policy
		}
		if o.NoBuild {
			s.Build = nil // a copy: pulled when missing, never built
		}
		if err := r.ensureImage(ctx, s, o.Build); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
	}
	for _, s := range services {
		if !o.NoDeps && !o.NoStart {
			if err := r.waitDependencies(ctx, s, o.WaitTimeout); err != nil {
				return err
			}
		}
		if err := r.converge(ctx, s, o.recreate(s.Name), !o.NoStart, o.Timeout); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
	}
	if o.Wait && !o.NoStart {
		for _, s := range services {
			for _, c := range r.serviceContainers(s.Name) {
				if err := r.waitCondition(ctx, s.Name, c, waitCondition(s), o.WaitTimeout); err != nil {
					return err
				}
				r.say("Container", Name(c), map[bool]string{true: "Healthy", false: "Running"}[waitCondition(s) == types.ServiceConditionHealthy])
			}
		}
	}
	return nil
}

// waitCondition is what --wait waits for: healthy when a check runs.
func waitCondition(s types.ServiceConfig) string {
	if s.HealthCheck != nil && !s.HealthCheck.Disable && len(s.HealthCheck.Test) > 0 && s.HealthCheck.Test[0] != "NONE" {
		return types.ServiceConditionHealthy
	}
	return types.ServiceConditionStarted
}

// ensureNetworks creates the project networks the services join.
func (r *Runner) ensureNetworks(services []types.ServiceConfig) error {
	need := map[string]bool{}
	for _, s := range services {
		if s.NetworkMode != "" || s.Net != "" {
			continue
		}
		for k := range s.Networks {
			need[k] = true
		}
	}
	keys := make([]string, 0, len(need))
	for k := range need {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		cfg, ok := r.P.Networks[k]
		if !ok {
			return fmt.Errorf("network %q is not declared in the top-level networks", k)
		}
		name := networkName(r.P, k)
		if _, err := r.E.InspectNetwork(name); err == nil {
			continue
		} else if !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		if bool(cfg.External) {
			return fmt.Errorf("network %s declared as external, but could not be found", name)
		}
		labels := map[string]string{LabelProject: r.P.Name, LabelNetwork: k}
		for lk, lv := range cfg.Labels {
			labels[lk] = lv
		}
		opts := engine.NetworkCreateOptions{Name: name, Internal: cfg.Internal, Labels: labels}
		if cfg.Ipam.Config != nil && len(cfg.Ipam.Config) > 0 {
			opts.Subnet, opts.Gateway = cfg.Ipam.Config[0].Subnet, cfg.Ipam.Config[0].Gateway
		}
		if _, err := r.E.CreateNetwork(opts); err != nil {
			return fmt.Errorf("network %s: %w", name, err)
		}
		r.say("Network", name, "Created")
	}
	return nil
}

// ensureVolumes creates the project volumes the services mount.
func (r *Runner) ensureVolumes(services []types.ServiceConfig) error {
	done := map[string]bool{}
	for _, s := range services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeVolume || v.Source == "" || done[v.Source] {
				continue
			}
			done[v.Source] = true
			cfg, ok := r.P.Volumes[v.Source]
			if !ok {
				return fmt.Errorf("service %q: volume %q is not declared in the top-level volumes", s.Name, v.Source)
			}
			name := volumeName(r.P, v.Source)
			if _, err := r.E.InspectVolume(name); err == nil {
				continue
			} else if !errors.Is(err, errdefs.ErrNotFound) {
				return err
			}
			if bool(cfg.External) {
				return fmt.Errorf("external volume %q not found", name)
			}
			labels := map[string]string{LabelProject: r.P.Name, LabelVolume: v.Source}
			for lk, lv := range cfg.Labels {
				labels[lk] = lv
			}
			if _, err := r.E.CreateVolume(engine.VolumeCreateOptions{Name: name, Labels: labels}); err != nil {
				return fmt.Errorf("volume %s: %w", name, err)
			}
			r.say("Volume", name, "Created")
		}
	}
	return nil
}

// serviceContainers are the project's containers of one service.
func (r *Runner) serviceContainers(service string) []engine.ContainerSummary {
	cs, _ := Containers(r.E, r.P.Name, false)
	var out []engine.ContainerSummary
	for _, c := range cs {
		if c.Labels[LabelService] == service {
			out = append(out, c)
		}
	}
	return out
}

// orphans are the project's containers of services the file no longer
// has: named in a warning, or removed with remove.
func (r *Runner) orphans(remove bool, timeout time.Duration) error {
	cs, err := Containers(r.E, r.P.Name, false)
	if err != nil {
		return err
	}
	var names []string
	var found []engine.ContainerSummary
	for _, c := range cs {
		svc := c.Labels[LabelService]
		if _, ok := r.P.Services[svc]; ok {
			continue
		}
		if slices.Contains(r.P.DisabledServiceNames(), svc) {
			continue
		}
		names = append(names, Name(c))
		found = append(found, c)
	}
	if len(found) == 0 {
		return nil
	}
	if !remove {
		r.mu.Lock()
		fmt.Fprintf(r.Out, "WARN Found orphan containers (%v) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n", names)
		r.mu.Unlock()
		return nil
	}
	for _, c := range found {
		if err := r.removeContainer(context.Background(), c, timeout); err != nil {
			return err
		}
	}
	return nil
}
