package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// composeVerbs are the verbs that act on each container of the services
// named (all when none).
func composeVerbs(cc *composeCLI) []*cobra.Command {
	each := func(use, short, done string, fn func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, RunE: func(cmd *cobra.Command, args []string) error {
			r, cs, err := cc.projectContainers(cmd.Context(), args)
			if err != nil {
				return err
			}
			var errs []error
			for _, c := range cs {
				if err := fn(cmd.Context(), r.E, c); err != nil {
					errs = append(errs, fmt.Errorf("container %s: %w", compose.Name(c), err))
					continue
				}
				fmt.Fprintf(os.Stderr, " Container %s  %s\n", compose.Name(c), done)
			}
			return errors.Join(errs...)
		}}
	}
	// -t of stop and restart: each container's own timeout unless given.
	timeout := time.Duration(-1)
	var secs int
	stop := each("stop [OPTIONS] [SERVICE...]", "Stop services", "Stopped", func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error {
		return e.Stop(ctx, c.ID, timeout)
	})
	restart := each("restart [OPTIONS] [SERVICE...]", "Restart service containers", "Started", func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error {
		return e.Restart(ctx, c.ID, timeout)
	})
	for _, cmd := range []*cobra.Command{stop, restart} {
		cmd.Flags().IntVarP(&secs, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
		cmd.PreRun = func(c *cobra.Command, args []string) { timeout = composeTimeout(c, secs) }
	}
	start := each("start [SERVICE...]", "Start services", "Started", func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error {
		_, err := e.Start(ctx, c.ID, nil)
		return err
	})
	var signal string
	kill := each("kill [OPTIONS] [SERVICE...]", "Force stop service containers", "Killed", func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error {
		sig, err := engine.ParseSignal(signal)
		if err != nil {
			return err
		}
		return e.Kill(c.ID, sig)
	})
	kill.Flags().StringVarP(&signal, "signal", "s", "SIGKILL", "SIGNAL to send to the container")
	pause := each("pause [SERVICE...]", "Pause services", "Paused", func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error {
		return e.Pause(c.ID)
	})
	unpause := each("unpause [SERVICE...]", "Unpause services", "Unpaused", func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error {
		return e.Unpause(c.ID)
	})
	var force, stopFirst, rmVolumes bool
	rm := each("rm [OPTIONS] [SERVICE...]", "Removes stopped service containers", "Removed", func(ctx context.Context, e *engine.Engine, c engine.ContainerSummary) error {
		if c.State == "running" || c.State == "paused" || c.State == "restarting" {
			if !stopFirst {
				return nil // docker compose rm leaves running containers alone
			}
			if err := e.Stop(ctx, c.ID, -1); err != nil {
				return err
			}
		}
		return e.RemoveWithVolumes(ctx, c.ID, true, rmVolumes)
	})
	rm.Flags().BoolVarP(&force, "force", "f", false, "Don't ask to confirm removal")
	rm.Flags().BoolVarP(&stopFirst, "stop", "s", false, "Stop the containers, if required, before removing")
	rm.Flags().BoolVarP(&rmVolumes, "volumes", "v", false, "Remove any anonymous volumes attached to containers")
	return append([]*cobra.Command{stop, restart, start, kill, pause, unpause, rm}, composeMore(cc)...)
}

// composeMore are build, pull, push, exec, run, top, images and port.
func composeMore(cc *composeCLI) []*cobra.Command {
	return []*cobra.Command{composeBuild(cc), composePull(cc), composePush(cc), composeExec(cc), composeRun(cc), composeTop(cc), composeImages(cc), composePort(cc)}
}

// replica loads the project and finds replica index (1-based) of a
// service's containers: a running one, or with anyState any (export and
// commit work on stopped containers, as docker compose's do).
func replica(ctx context.Context, cc *composeCLI, service string, index int, anyState bool) (*compose.Runner, engine.ContainerSummary, error) {
	r, err := cc.project(ctx)
	if err != nil {
		return nil, engine.ContainerSummary{}, err
	}
	cs, err := cc.containers(r, []string{service}, false)
	if err != nil {
		return nil, engine.ContainerSummary{}, err
	}
	for _, c := range cs {
		if c.Labels[compose.LabelNumber] == fmt.Sprint(index) && (anyState || c.State == "running") {
			return r, c, nil
		}
	}
	if anyState {
		return nil, engine.ContainerSummary{}, fmt.Errorf("service %q has no container %d: %w", service, index, errdefs.ErrNotFound)
	}
	return nil, engine.ContainerSummary{}, fmt.Errorf("service %q is not running", service)
}

func composeExec(cc *composeCLI) *cobra.Command {
	var o engine.ExecOptions
	var noTTY bool
	var index int
	cmd := &cobra.Command{Use: "exec [OPTIONS] SERVICE COMMAND [ARGS...]", Short: "Execute a command in a running container",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, c, err := replica(cmd.Context(), cc, args[0], index, false)
			if err != nil {
				return err
			}
			o.Cmd = args[1:]
			o.Tty = !noTTY && term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
			streams, restore := terminalStreams(!o.Detach, o.Tty)
			code, err := r.E.Exec(cmd.Context(), c.ID, o, streams)
			restore()
			return containerExit(code, err)
		}}
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVarP(&o.Detach, "detach", "d", false, "Detached mode: Run command in the background")
	f.StringArrayVarP(&o.Env, "env", "e", nil, "Set environment variables")
	f.StringVarP(&o.User, "user", "u", "", "Run the command as this user")
	f.StringVarP(&o.WorkingDir, "workdir", "w", "", "Path to workdir directory for this command")
	f.BoolVar(&o.Privileged, "privileged", false, "Give extended privileges to the process")
	f.BoolVarP(&noTTY, "no-TTY", "T", false, "Disable pseudo-TTY allocation")
	f.IntVar(&index, "index", 1, "Index of the container if service has multiple replicas")
	return cmd
}

func composeRun(cc *composeCLI) *cobra.Command {
	var o compose.RunOptions
	var noTTY, interactive bool
	var entrypoint string
	cmd := &cobra.Command{Use: "run [OPTIONS] SERVICE [COMMAND] [ARGS...]", Short: "Run a one-off command on a service",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := cc.project(ctx)
			if err != nil {
				return err
			}
			o.Cmd = args[1:]
			if cmd.Flags().Changed("entrypoint") {
				ep := strings.Fields(entrypoint)
				o.Entrypoint = &ep
			}
			o.Tty = !noTTY && !o.Detach && term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
			o.Stdin = interactive && !o.Detach
			id, err := r.CreateOneoff(ctx, args[0], o)
			if err != nil {
				return engineError(err)
			}
			if o.Detach {
				if _, err := r.E.Start(ctx, id, nil); err != nil {
					return engineError(err)
				}
				fmt.Println(id)
				return nil
			}
			streams, restore := terminalStreams(o.Stdin, o.Tty)
			code, err := r.E.Start(ctx, id, &streams)
			restore()
			return containerExit(code, engineError(err))
		}}
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVarP(&o.Detach, "detach", "d", false, "Run container in background and print container ID")
	f.BoolVar(&o.Remove, "rm", false, "Automatically remove the container when it exits")
	f.BoolVar(&o.NoDeps, "no-deps", false, "Don't start linked services")
	f.StringArrayVarP(&o.Env, "env", "e", nil, "Set environment variables")
	f.StringVarP(&o.User, "user", "u", "", "Run as specified username or uid")
	f.StringVarP(&o.WorkingDir, "workdir", "w", "", "Working directory inside the container")
	f.StringVar(&o.Name, "name", "", "Assign a name to the container")
	f.StringVar(&entrypoint, "entrypoint", "", "Override the entrypoint of the image")
	f.BoolVarP(&noTTY, "no-TTY", "T", false, "Disable pseudo-TTY allocation (default: auto-detected)")
	f.BoolVarP(&interactive, "interactive", "i", true, "Keep STDIN open even if not attached")
	f.BoolVar(&o.ServicePorts, "service-ports", false, "Run command with all service's ports enabled and mapped to the host")
	f.StringArrayVarP(&o.Publish, "publish", "p", nil, "Publish a container's port(s) to the host")
	f.StringArrayVarP(&o.Volumes, "volume", "v", nil, "Bind mount a volume")
	f.StringToStringVarP(&o.Labels, "label", "l", nil, "Add or override a label")
	f.BoolVar(&o.Build, "build", false, "Build image before starting container")
	return cmd
}

func composeTop(cc *composeCLI) *cobra.Command {
	return &cobra.Command{Use: "top [SERVICES...]", Short: "Display the running processes",
		RunE: func(cmd *cobra.Command, args []string) error {
			r, cs, err := cc.projectContainers(cmd.Context(), args)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if c.State != "running" {
					continue
				}
				t, err := r.E.TopPS(c.ID, nil)
				if err != nil {
					return err
				}
				fmt.Println(compose.Name(c))
				tw := tabwriter.NewWriter(os.Stdout, 4, 1, 4, ' ', 0)
				fmt.Fprintln(tw, strings.Join(t.Titles, "\t"))
				for _, p := range t.Processes {
					fmt.Fprintln(tw, strings.Join(p, "\t"))
				}
				tw.Flush()
				fmt.Println()
			}
			return nil
		}}
}

func composePort(cc *composeCLI) *cobra.Command {
	var protocol string
	var index int
	cmd := &cobra.Command{Use: "port [OPTIONS] SERVICE PRIVATE_PORT", Short: "Print the public port for a port binding",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, c, err := replica(cmd.Context(), cc, args[0], index, false)
			if err != nil {
				return err
			}
			ports, err := r.E.Ports(c.ID)
			if err != nil {
				return err
			}
			for _, p := range ports {
				if fmt.Sprint(p.ContainerPort) == args[1] && p.Protocol == protocol {
					fmt.Printf("%s:%d\n", firstNonEmptyStr(p.HostIP, "0.0.0.0"), p.HostPort)
					return nil
				}
			}
			return fmt.Errorf("no port %s/%s published for service %q", args[1], protocol, args[0])
		}}
	cmd.Flags().StringVar(&protocol, "protocol", "tcp", "tcp or udp")
	cmd.Flags().IntVar(&index, "index", 1, "Index of the container if service has multiple replicas")
	return cmd
}

func firstNonEmptyStr(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
