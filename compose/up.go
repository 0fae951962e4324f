package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	ForceRecreate bool           // --force-recreate
	NoDeps        bool           // --no-deps
	Scale         map[string]int // --scale SERVICE=N
	RemoveOrphans bool           // --remove-orphans
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
	mu  sync.Mutex
}

func (r *Runner) say(kind, name, what string) {
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
		if err := r.ensureImage(ctx, s, o.Build); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
	}
	for _, s := range services {
		if !o.NoDeps {
			if err := r.waitDependencies(ctx, s, o.WaitTimeout); err != nil {
				return err
			}
		}
		if err := r.converge(ctx, s, o.ForceRecreate, o.Timeout); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
	}
	if o.Wait {
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

// converge makes a service's containers what the file says: missing
// replicas created, changed ones (by config hash) recreated, extra ones
// removed, stopped ones started.
func (r *Runner) converge(ctx context.Context, s types.ServiceConfig, force bool, timeout time.Duration) error {
	hash, err := ConfigHash(s)
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
		if ok && !force && c.Labels[LabelConfigHash] == hash {
			if c.State == "running" || c.State == "restarting" {
				r.say("Container", Name(c), "Running")
				continue
			}
			if _, err := r.E.Start(ctx, c.ID, nil); err != nil {
				return err
			}
			r.say("Container", Name(c), "Started")
			continue
		}
		if ok {
			if err := r.removeContainer(ctx, c, timeout); err != nil {
				return err
			}
			r.say("Container", Name(c), "Recreate")
		}
		if err := r.createAndStart(ctx, s, n, hash); err != nil {
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

// createAndStart makes replica n of s and starts it, joining its other
// networks before it starts.
func (r *Runner) createAndStart(ctx context.Context, s types.ServiceConfig, n int, hash string) error {
	opts, nets, aliases, err := createOptions(r.P, s, n, hash, false)
	if err != nil {
		return err
	}
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
	if _, err := r.E.Start(ctx, id, nil); err != nil {
		return err
	}
	r.say("Container", opts.Name, "Started")
	return nil
}

// waitDependencies waits for each of s's dependencies' condition.
func (r *Runner) waitDependencies(ctx context.Context, s types.ServiceConfig, timeout time.Duration) error {
	names := make([]string, 0, len(s.DependsOn))
	for d := range s.DependsOn {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range names {
		dep := s.DependsOn[d]
		cs := r.serviceContainers(d)
		if len(cs) == 0 {
			if !dep.Required {
				continue
			}
			return fmt.Errorf("service %q depends on %q, which has no container", s.Name, d)
		}
		for _, c := range cs {
			if err := r.waitCondition(ctx, d, c, dep.Condition, timeout); err != nil {
				if !dep.Required {
					continue
				}
				return fmt.Errorf("dependency failed to start: %w", err)
			}
		}
	}
	return nil
}

// waitCondition waits for a container of service to meet cond.
func (r *Runner) waitCondition(ctx context.Context, service string, c engine.ContainerSummary, cond string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	deadline := time.Now().Add(timeout)
	name := Name(c)
	for {
		in, err := r.E.Inspect(c.ID)
		if err != nil {
			return err
		}
		st := in.State
		switch cond {
		case types.ServiceConditionCompletedSuccessfully:
			if !st.Running && st.Status != "created" {
				if st.ExitCode != 0 {
					return fmt.Errorf("service %q didn't complete successfully: exit %d", service, st.ExitCode)
				}
				return nil
			}
		case types.ServiceConditionHealthy:
			if in.Config.Healthcheck == nil || len(in.Config.Healthcheck.Test) == 0 || in.Config.Healthcheck.Test[0] == "NONE" {
				return fmt.Errorf("container %s has no healthcheck configured (service %q)", name, service)
			}
			if st.Health != nil && st.Health.Status == engine.HealthHealthy {
				return nil
			}
			if st.Health != nil && st.Health.Status == engine.HealthUnhealthy {
				return fmt.Errorf("container %s is unhealthy", name)
			}
			if !st.Running {
				return fmt.Errorf("container %s exited (%d)", name, st.ExitCode)
			}
		default: // service_started
			if st.Running || st.Status == "exited" {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: not %s after %v", name, condWord(cond), timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func condWord(cond string) string {
	switch cond {
	case types.ServiceConditionHealthy:
		return "healthy"
	case types.ServiceConditionCompletedSuccessfully:
		return "completed"
	}
	return "started"
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

// DownOptions are `compose down`'s.
type DownOptions struct {
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
	for _, c := range cs {
		if _, known := rank[c.Labels[LabelService]]; !known && !o.RemoveOrphans && c.Labels[LabelOneoff] != "True" {
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

// RunOptions are `compose run`'s.
type RunOptions struct {
	Cmd        []string
	Entrypoint *[]string
	Env        []string
	User       string
	WorkingDir string
	Name       string
	NoDeps     bool
	Remove     bool
	Tty        bool
	Stdin      bool
	Detach     bool
}

// CreateOneoff starts the service's dependencies (unless NoDeps) and
// creates a one-off container of the service (`compose run`), returning
// its ID; the caller starts it.
func (r *Runner) CreateOneoff(ctx context.Context, service string, o RunOptions) (string, error) {
	s, err := r.P.GetService(service)
	if err != nil {
		return "", err
	}
	if !o.NoDeps {
		var deps []string
		for d := range s.DependsOn {
			deps = append(deps, d)
		}
		if len(deps) > 0 {
			if err := r.Up(ctx, UpOptions{Services: deps, Timeout: -1}); err != nil {
				return "", err
			}
			if err := r.waitDependencies(ctx, s, 0); err != nil {
				return "", err
			}
		}
	} else if err := r.ensureNetworks([]types.ServiceConfig{s}); err != nil {
		return "", err
	}
	if err := r.ensureVolumes([]types.ServiceConfig{s}); err != nil {
		return "", err
	}
	if err := r.ensureImage(ctx, s, false); err != nil {
		return "", err
	}
	s.Ports = nil // docker compose run publishes no ports unless asked
	hash, err := ConfigHash(s)
	if err != nil {
		return "", err
	}
	opts, nets, aliases, err := createOptions(r.P, s, 1, hash, true)
	if err != nil {
		return "", err
	}
	if len(o.Cmd) > 0 {
		opts.Cmd = o.Cmd
	}
	if o.Entrypoint != nil {
		opts.Entrypoint = o.Entrypoint
	}
	if o.Name != "" {
		opts.Name = o.Name
	}
	opts.Env = append(opts.Env, o.Env...)
	opts.User = firstNonEmpty(o.User, opts.User)
	opts.WorkingDir = firstNonEmpty(o.WorkingDir, opts.WorkingDir)
	opts.Tty, opts.OpenStdin = o.Tty, o.Stdin
	opts.Host.AutoRemove = o.Remove
	opts.Host.RestartPolicy = engine.RestartPolicy{Name: "no"}
	id, err := r.E.Create(opts)
	if err != nil {
		return "", err
	}
	for _, net := range nets[min(1, len(nets)):] {
		if err := r.E.Connect(ctx, net, id, aliases[net]); err != nil {
			return "", err
		}
	}
	return id, nil
}
