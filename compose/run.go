package compose

import (
	"context"

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
