package compose

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/compose-spec/compose-go/v2/format"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berthdev/berth/engine"
)

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
	// ServicePorts publishes the service's ports (--service-ports); by
	// default a one-off container publishes none, as docker compose run.
	ServicePorts bool
	Publish      []string          // -p: more ports, docker's syntax
	Volumes      []string          // -v: more mounts, the compose file's short syntax
	Labels       map[string]string // -l
	Build        bool              // --build: build the image first
	Tty          bool
	Stdin        bool
	Detach       bool
}

// CreateOneoff starts the service's dependencies (unless NoDeps) and
// creates a one-off container of the service (`compose run`), returning
// its ID; the caller starts it.
func (r *Runner) CreateOneoff(ctx context.Context, service string, o RunOptions) (string, error) {
	s, err := r.P.GetService(service)
	if err != nil {
		return "", err
	}
	if !o.ServicePorts {
		s.Ports = nil // docker compose run publishes no ports unless asked
	}
	for _, p := range o.Publish {
		ports, err := types.ParsePortConfig(p)
		if err != nil {
			return "", fmt.Errorf("--publish %q: %w", p, err)
		}
		s.Ports = append(slices.Clip(s.Ports), ports...) // never into the project's array
	}
	for _, v := range o.Volumes {
		m, err := format.ParseVolume(v)
		if err != nil {
			return "", fmt.Errorf("--volume %q: %w", v, err)
		}
		if m.Type == types.VolumeTypeBind && !filepath.IsAbs(m.Source) {
			m.Source = filepath.Join(r.P.WorkingDir, m.Source)
		}
		s.Volumes = append(slices.Clip(s.Volumes), m)
	}
	if len(o.Labels) > 0 {
		labels := types.Labels{} // a copy: the project's map stays as it is
		for k, v := range s.Labels {
			labels[k] = v
		}
		for k, v := range o.Labels {
			labels[k] = v
		}
		s.Labels = labels
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
	}
	if err := r.ensureNetworks([]types.ServiceConfig{s}); err != nil {
		return "", err // also when it has no dependencies: run before any up
	}
	if err := r.ensureVolumes([]types.ServiceConfig{s}); err != nil {
		return "", err
	}
	if err := r.ensureImage(ctx, s, o.Build); err != nil {
		return "", err
	}
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
