package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newComposeCmd) }

// composeCLI is the state of `berth compose`: the global flags, and the
// project, loaded on first use.
type composeCLI struct {
	c    *cli
	load compose.LoadOptions
}

// project loads the compose file(s) and opens the store.
func (cc *composeCLI) project(ctx context.Context) (*compose.Runner, error) {
	p, err := compose.Load(ctx, cc.load)
	if err != nil {
		return nil, err
	}
	e, err := cc.c.engine()
	if err != nil {
		return nil, err
	}
	return &compose.Runner{E: e, P: p, Out: os.Stderr}, nil
}

// containers are the project's containers of the services named (all when
// none); an unknown service is an error.
func (cc *composeCLI) containers(r *compose.Runner, services []string, oneoff bool) ([]engine.ContainerSummary, error) {
	for _, s := range services {
		if _, err := r.P.GetService(s); err != nil {
			return nil, err
		}
	}
	cs, err := compose.Containers(r.E, r.P.Name, oneoff)
	if err != nil || len(services) == 0 {
		return cs, err
	}
	var out []engine.ContainerSummary
	for _, c := range cs {
		for _, s := range services {
			if c.Labels[compose.LabelService] == s {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// projectContainers loads the project and lists the containers of the
// services named (all when none).
func (cc *composeCLI) projectContainers(ctx context.Context, services []string) (*compose.Runner, []engine.ContainerSummary, error) {
	r, err := cc.project(ctx)
	if err != nil {
		return nil, nil, err
	}
	cs, err := cc.containers(r, services, false)
	return r, cs, err
}

func newComposeCmd(c *cli) *cobra.Command {
	cc := &composeCLI{c: c}
	cmd := &cobra.Command{Use: "compose", Short: "Define and run multi-container applications", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	pf := cmd.PersistentFlags()
	// -f and -p are written before the verb (composeArgs makes them the
	// long flags there), so that `logs -f` can follow and `port -p`...
	// mean what docker compose's do.
	pf.StringArrayVar(&cc.load.Files, "file", nil, "Compose configuration files (-f before the verb)")
	pf.StringVar(&cc.load.Name, "project-name", "", "Project name (-p before the verb)")
	pf.StringVar(&cc.load.WorkingDir, "project-directory", "", "Specify an alternate working directory (default: the path of the first compose file)")
	pf.StringArrayVar(&cc.load.Profiles, "profile", nil, "Specify a profile to enable")
	pf.StringArrayVar(&cc.load.EnvFiles, "env-file", nil, "Specify an alternate environment file")
	cmd.AddCommand(composeUp(cc), composeCreate(cc), composeScale(cc), composeWait(cc), composeEvents(cc), composeCp(cc), composeStats(cc), composeDown(cc), composePs(cc), composeLogs(cc), composeConfig(cc), composeLs(cc))
	cmd.AddCommand(composeVerbs(cc)...)
	cmd.AddCommand(composeExtra(cc)...)
	return cmd
}

func composeUp(cc *composeCLI) *cobra.Command {
	var o compose.UpOptions
	var detach bool
	var scale []string
	var timeout int
	var at upAttach
	cmd := &cobra.Command{Use: "up [OPTIONS] [SERVICE...]", Short: "Create and start containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if (at.abort || at.codeFrom != "") && (detach || o.Wait) {
				return fmt.Errorf("--abort-on-container-exit and --exit-code-from are incompatible with --detach and --wait")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			r, err := cc.project(ctx)
			if err != nil {
				return err
			}
			o.Services = args
			if o.Scale, err = parseScale(scale); err != nil {
				return err
			}
			if at.codeFrom != "" {
				if _, err := r.P.GetService(at.codeFrom); err != nil {
					return fmt.Errorf("--exit-code-from: %w", err)
				}
			}
			o.Timeout = composeTimeout(cmd, timeout)
			began := time.Now()
			if err := r.Up(ctx, o); err != nil {
				return err
			}
			if detach || o.Wait || o.NoStart {
				return nil
			}
			cs, err := at.containers(cc, r, args)
			if err != nil {
				return err
			}
			at.abort, at.services = at.abort || at.codeFrom != "", args
			return upAttached(ctx, stop, r, cs, began, at, o.Timeout)
		}}
	f := cmd.Flags()
	f.BoolVarP(&detach, "detach", "d", false, "Detached mode: Run containers in the background")
	f.BoolVar(&o.Build, "build", false, "Build images before starting containers")
	f.BoolVar(&o.ForceRecreate, "force-recreate", false, "Recreate containers even if their configuration hasn't changed")
	f.BoolVar(&o.NoDeps, "no-deps", false, "Don't start linked services")
	f.BoolVar(&o.NoRecreate, "no-recreate", false, "If containers already exist, don't recreate them. Incompatible with --force-recreate")
	f.BoolVar(&o.AlwaysDeps, "always-recreate-deps", false, "Recreate dependent containers. Incompatible with --no-recreate")
	f.BoolVar(&o.NoStart, "no-start", false, "Don't start the services after creating them")
	f.BoolVar(&o.NoBuild, "no-build", false, "Don't build an image, even if it's policy")
	f.StringVar(&o.Pull, "pull", "", `Pull image before running ("always"|"missing"|"never"); the default is each service's pull_policy`)
	f.StringArrayVar(&scale, "scale", nil, "Scale SERVICE to NUM instances")
	f.BoolVar(&o.RemoveOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	f.BoolVar(&o.Wait, "wait", false, "Wait for services to be running|healthy. Implies detached mode")
	f.DurationVar(&o.WaitTimeout, "wait-timeout", 0, "Maximum duration to wait for the project to be running|healthy")
	f.IntVarP(&timeout, "timeout", "t", 0, "Use this timeout in seconds for container shutdown")
	f.BoolVar(&at.abort, "abort-on-container-exit", false, "Stops all containers if any container was stopped. Incompatible with -d")
	f.StringVar(&at.codeFrom, "exit-code-from", "", "Return the exit code of the selected service container. Implies --abort-on-container-exit")
	f.StringArrayVar(&at.attach, "attach", nil, "Restrict attaching to the specified services. Incompatible with --attach-dependencies")
	f.StringArrayVar(&at.noAttach, "no-attach", nil, "Do not attach (stream logs) to the specified services")
	f.BoolVar(&at.deps, "attach-dependencies", false, "Automatically attach to log output of dependent services")
	f.BoolVar(&at.lo.noPrefix, "no-log-prefix", false, "Don't print prefix in logs")
	f.BoolVar(&at.lo.noColor, "no-color", false, "Produce monochrome output")
	f.BoolVar(&at.timestamps, "timestamps", false, "Show timestamps")
	return cmd
}

// composeTimeout is -t in seconds when given, else each container's own.
func composeTimeout(cmd *cobra.Command, secs int) time.Duration {
	if cmd.Flags().Changed("timeout") {
		return time.Duration(secs) * time.Second
	}
	return -1
}

func composeDown(cc *composeCLI) *cobra.Command {
	var o compose.DownOptions
	var timeout int
	cmd := &cobra.Command{Use: "down [OPTIONS] [SERVICES]", Short: "Stop and remove containers, networks",
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			o.Services = args
			o.Timeout = composeTimeout(cmd, timeout)
			return r.Down(context.Background(), o)
		}}
	f := cmd.Flags()
	f.BoolVarP(&o.Volumes, "volumes", "v", false, "Remove named volumes declared in the \"volumes\" section of the Compose file and anonymous volumes attached to containers")
	f.StringVar(&o.RemoveImages, "rmi", "", `Remove images used by services. "local" remove only images that don't have a custom tag ("local"|"all")`)
	f.BoolVar(&o.RemoveOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file")
	f.IntVarP(&timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	return cmd
}

func composeLs(cc *composeCLI) *cobra.Command {
	var all, quiet bool
	var format, name string
	cmd := &cobra.Command{Use: "ls [OPTIONS]", Short: "List running compose projects", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := cc.c.engine()
			if err != nil {
				return err
			}
			ps, err := compose.Projects(e, all)
			if err != nil {
				return err
			}
			var rows []any
			for _, p := range ps {
				if name != "" && !strings.Contains(p.Name, name) {
					continue
				}
				rows = append(rows, projectRow{p})
			}
			if quiet {
				format = "{{.Name}}"
			}
			return projectFormat.write(os.Stdout, format, rows)
		}}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Show all stopped Compose projects")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only display project names")
	cmd.Flags().StringVar(&format, "format", "", "Format the output")
	cmd.Flags().Var(&lsFilter{&name}, "filter", "Filter output based on conditions provided (name=NAME)")
	return cmd
}

var projectFormat = listFormat{Table: "table {{.Name}}\t{{.Status}}\t{{.ConfigFiles}}", Headers: map[string]string{"ConfigFiles": "CONFIG FILES"}}

type projectRow struct{ p compose.ProjectSummary }

func (r projectRow) Name() string        { return r.p.Name }
func (r projectRow) Status() string      { return r.p.Status }
func (r projectRow) ConfigFiles() string { return r.p.ConfigFiles }

// composeArgs rewrites `compose -f FILE -p NAME VERB ...` into the long
// flags: docker compose's -f and -p are the group's, while its verbs use
// the same letters for their own flags (logs -f is --follow).
func composeArgs(args []string) []string {
	out := append([]string(nil), args...)
	i := slices.Index(out, "compose")
	if i < 0 {
		return out
	}
	for j := i + 1; j < len(out); j++ {
		a := out[j]
		switch {
		case a == "-f":
			out[j] = "--file"
			j++
		case a == "-p":
			out[j] = "--project-name"
			j++
		case strings.HasPrefix(a, "-f") && len(a) > 2 && !strings.HasPrefix(a, "--"):
			out[j] = "--file=" + a[2:]
		case strings.HasPrefix(a, "-p") && len(a) > 2 && !strings.HasPrefix(a, "--"):
			out[j] = "--project-name=" + a[2:]
		case a == "--file" || a == "--project-name" || a == "--project-directory" || a == "--profile" || a == "--env-file":
			j++
		case strings.HasPrefix(a, "-"):
		default:
			return out // the verb: its flags are its own
		}
	}
	return out
}

// lsFilter is compose ls's --filter: name=NAME only (a substring, as
// docker's name filters match).
type lsFilter struct{ name *string }

func (f *lsFilter) String() string { return "" }
func (f *lsFilter) Type() string   { return "filter" }
func (f *lsFilter) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k != "name" {
		return fmt.Errorf("invalid filter %q: only name=NAME is supported", v)
	}
	*f.name = val
	return nil
}
