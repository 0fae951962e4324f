package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
)

// upAttach are the flags of an attached `compose up`.
type upAttach struct {
	services         []string // the services named to up (all when none)
	abort            bool     // --abort-on-container-exit
	codeFrom         string   // --exit-code-from
	attach, noAttach []string
	deps             bool // --attach-dependencies
	timestamps       bool
	lo               logsOutput
}

// containers are those whose output up shows: of the services named (all
// when none), with their dependencies under --attach-dependencies, or
// those of --attach; less those of --no-attach.
func (a upAttach) containers(cc *composeCLI, r *compose.Runner, services []string) ([]engine.ContainerSummary, error) {
	if len(a.attach) > 0 && a.deps {
		return nil, fmt.Errorf("--attach and --attach-dependencies are incompatible")
	}
	names := services
	switch {
	case len(a.attach) > 0:
		names = a.attach
	case a.deps && len(services) > 0:
		names = nil
		err := r.P.ForEachService(services, func(name string, _ *types.ServiceConfig) error {
			names = append(names, name)
			return nil
		}, types.IncludeDependencies)
		if err != nil {
			return nil, err
		}
	}
	cs, err := cc.containers(r, names, false)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(c engine.ContainerSummary) bool {
		return slices.Contains(a.noAttach, c.Labels[compose.LabelService])
	}), nil
}

// upAttached is `compose up` without -d: the services' output until they
// all end, the user interrupts (then they are stopped), or, with abort,
// one of them ends (then all are stopped, and the exit status is that of
// codeFrom's container, else of the one that ended), as docker compose
// does. Each container that ends is reported as "NAME exited with code N".
func upAttached(ctx context.Context, stop func(), r *compose.Runner, cs []engine.ContainerSummary, began time.Time, a upAttach, timeout time.Duration) error {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	first := -1
	lo := a.lo
	lo.color = !lo.noColor && term.IsTerminal(int(os.Stdout.Fd()))
	lo.ended = func(i int) {
		code := 0
		if in, err := r.E.Inspect(cs[i].ID); err == nil {
			code = in.State.ExitCode
		}
		fmt.Printf("%s exited with code %d\n", compose.Name(cs[i]), code)
		if a.abort && first < 0 {
			first = i
			cancel()
		}
	}
	err := followLogs(fctx, r.E, cs, engine.LogOptions{Follow: true, Tail: -1, Since: began, Timestamps: a.timestamps}, lo)
	stopAll := func() {
		// The services up started, their dependencies with them, attached or not.
		var names []string
		r.P.ForEachService(a.services, func(name string, _ *types.ServiceConfig) error {
			names = append(names, name)
			return nil
		}, types.IncludeDependencies)
		all, _ := compose.Containers(r.E, r.P.Name, false)
		for _, c := range all {
			if !slices.Contains(names, c.Labels[compose.LabelService]) || c.State != "running" && c.State != "paused" && c.State != "restarting" {
				continue
			}
			if err := r.E.Stop(context.Background(), c.ID, timeout); err == nil {
				fmt.Fprintf(os.Stderr, " Container %s  Stopped\n", compose.Name(c))
			}
		}
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "Gracefully stopping... (press Ctrl+C again to force)")
		stop()
		stopAll()
		return nil
	case first >= 0:
		fmt.Fprintln(os.Stderr, "Aborting on container exit...")
		stopAll()
		ref := cs[first].ID
		if a.codeFrom != "" {
			all, _ := compose.Containers(r.E, r.P.Name, false) // --exit-code-from's service may not be attached
			for _, c := range all {
				if c.Labels[compose.LabelService] == a.codeFrom {
					ref = c.ID
					break
				}
			}
		}
		in, err := r.E.Inspect(ref)
		if err != nil {
			return err
		}
		return containerExit(in.State.ExitCode, nil)
	}
	return err
}

// composeCreate is `compose create`: up without starting anything.
func composeCreate(cc *composeCLI) *cobra.Command {
	var o compose.UpOptions
	var scale []string
	cmd := &cobra.Command{Use: "create [OPTIONS] [SERVICE...]", Short: "Creates containers for a service",
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			if o.Scale, err = parseScale(scale); err != nil {
				return err
			}
			o.Services, o.NoStart, o.Timeout = args, true, -1
			return r.Up(cmd.Context(), o)
		}}
	f := cmd.Flags()
	f.BoolVar(&o.Build, "build", false, "Build images before starting containers")
	f.BoolVar(&o.NoBuild, "no-build", false, "Don't build an image, even if it's policy")
	f.BoolVar(&o.ForceRecreate, "force-recreate", false, "Recreate containers even if their configuration and image haven't changed")
	f.BoolVar(&o.NoRecreate, "no-recreate", false, "If containers already exist, don't recreate them. Incompatible with --force-recreate")
	f.StringVar(&o.Pull, "pull", "", `Pull image before running ("always"|"missing"|"never")`)
	f.BoolVar(&o.RemoveOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	f.StringArrayVar(&scale, "scale", nil, "Scale SERVICE to NUM instances. Overrides the scale setting in the Compose file if present")
	return cmd
}

// composeScale is `compose scale SERVICE=N...`: up of those services with
// that many replicas each.
func composeScale(cc *composeCLI) *cobra.Command {
	var o compose.UpOptions
	cmd := &cobra.Command{Use: "scale [SERVICE=REPLICAS...]", Short: "Scale services", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			if o.Scale, err = parseScale(args); err != nil {
				return err
			}
			for s := range o.Scale {
				o.Services = append(o.Services, s)
			}
			o.Timeout = -1
			return r.Up(cmd.Context(), o)
		}}
	cmd.Flags().BoolVar(&o.NoDeps, "no-deps", false, "Don't start linked services")
	return cmd
}

// parseScale reads SERVICE=N arguments.
func parseScale(args []string) (map[string]int, error) {
	out := map[string]int{}
	for _, s := range args {
		k, v, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--scale %q: want SERVICE=NUMBER", s)
		}
		out[k] = n
	}
	return out, nil
}

// composeWait is `compose wait`: until the services' containers stop,
// each reported as docker compose reports it; the exit status is that of
// the last one to stop. With --down-project the project is brought down
// when the first stops.
func composeWait(cc *composeCLI) *cobra.Command {
	var down bool
	cmd := &cobra.Command{Use: "wait SERVICE [SERVICE...] [OPTIONS]", Short: "Block until containers of all (or specified) services stop.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, cs, err := cc.projectContainers(cmd.Context(), args)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			var mu sync.Mutex
			var wg sync.WaitGroup
			last := 0
			errs := make([]error, len(cs))
			for i, c := range cs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code, err := r.E.Wait(ctx, c.ID)
					if err != nil {
						if ctx.Err() == nil {
							errs[i] = err
						}
						return
					}
					mu.Lock()
					defer mu.Unlock()
					fmt.Printf("container %q exited with status code %d\n", c.ID, code)
					last = code
					if down {
						cancel()
					}
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				return err
			}
			if down {
				if err := r.Down(context.Background(), compose.DownOptions{Timeout: -1}); err != nil {
					return err
				}
			}
			return containerExit(last, nil)
		}}
	cmd.Flags().BoolVar(&down, "down-project", false, "Drops project when the first container stops")
	return cmd
}
