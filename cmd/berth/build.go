package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/layers"
)

func init() { commands = append(commands, newBuildCmd) }

func newBuildCmd(c *cli) *cobra.Command {
	var (
		opts         engine.BuildOptions
		args, labels []string
		progress     string
		quiet        bool
	)
	cmd := &cobra.Command{
		Use:   "build [OPTIONS] PATH | -",
		Short: "Build an image from a Dockerfile",
		Args: func(cmd *cobra.Command, args []string) error {
			// --pull takes its value after "=" (a bare --pull is docker's
			// "always"): say so rather than count arguments.
			if len(args) == 2 && cmd.Flags().Changed("pull") && slices.Contains([]string{"always", "missing", "never"}, args[0]) {
				return fmt.Errorf("--pull %s: write --pull=%s (a bare --pull means always)", args[0], args[0])
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, pos []string) error {
			opts.ContextDir = pos[0]
			cleanup, err := stdinBuildInputs(&opts, os.Stdin)
			if err != nil {
				return err
			}
			defer cleanup()
			opts.BuildArgs = map[string]string{}
			for _, a := range args {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					v, ok = os.LookupEnv(k)
					if !ok {
						continue
					}
				}
				opts.BuildArgs[k] = v
			}
			if len(labels) > 0 {
				opts.Labels = map[string]string{}
				for _, l := range labels {
					k, v, _ := strings.Cut(l, "=")
					opts.Labels[k] = v
				}
			}
			switch progress {
			case "auto":
				progress = "plain"
				if term.IsTerminal(int(os.Stderr.Fd())) {
					progress = "tty"
				}
			case "plain", "tty":
			default:
				return fmt.Errorf("--progress %q: must be auto, plain or tty", progress)
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			var r *buildRenderer
			var fn func(engine.BuildEvent)
			if !quiet {
				r = &buildRenderer{w: os.Stderr, tty: progress == "tty"}
				fn = r.event
			}
			id, err := e.Build(cmd.Context(), opts, fn)
			if err != nil {
				return err
			}
			if quiet {
				fmt.Println(id)
				return nil
			}
			r.finish(id, opts.Tags)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.Tags, "tag", "t", nil, `Name and optionally a tag in the "name:tag" format`)
	f.StringVarP(&opts.Dockerfile, "file", "f", "", `Name of the Dockerfile (default: "PATH/Dockerfile"; "-" reads it from stdin)`)
	f.StringArrayVar(&args, "build-arg", nil, "Set build-time variables")
	f.StringVar(&opts.Target, "target", "", "Set the target build stage to build")
	f.BoolVar(&opts.NoCache, "no-cache", false, "Do not use cache when building the image")
	f.StringArrayVar(&labels, "label", nil, "Set metadata for an image")
	f.StringVar(&opts.Network, "network", "", "Set the networking mode for the RUN instructions during build")
	f.StringVar(&progress, "progress", "auto", "Set type of progress output (auto, plain, tty)")
	f.BoolVarP(&quiet, "quiet", "q", false, "Suppress the build output and print image ID on success")
	f.StringVar(&opts.Pull, "pull", "missing", `Pull FROM images: "missing" (when not in the store), "always" (--pull alone) or "never"`)
	f.Lookup("pull").NoOptDefVal = "always"
	return cmd
}

// buildRenderer prints build events as buildkit's plain progress does
// (#N [i/n] TEXT, #N CACHED, #N DONE 0.4s); in tty mode one line per
// step, rewritten as it finishes.
type buildRenderer struct {
	w    io.Writer
	tty  bool
	last int
	head string // the running step's "[i/n] TEXT" (tty mode)
}

func (r *buildRenderer) event(ev engine.BuildEvent) {
	head := fmt.Sprintf("[%d/%d] %s", ev.Step, ev.Total, ev.Text)
	if ev.Step > r.last {
		r.last = ev.Step
	}
	if r.tty {
		const clear = "\r\033[K"
		switch ev.Status {
		case "start":
			r.head = head
			fmt.Fprintf(r.w, " => %s", head)
		case "cached":
			fmt.Fprintf(r.w, "%s => CACHED %s  %.1fs\n", clear, r.head, ev.Duration.Seconds())
		case "done":
			fmt.Fprintf(r.w, "%s => %s  %.1fs\n", clear, r.head, ev.Duration.Seconds())
		case "output":
			fmt.Fprint(r.w, clear)
			for _, l := range strings.Split(strings.TrimRight(ev.Output, "\n"), "\n") {
				fmt.Fprintf(r.w, "    %s\n", l)
			}
			fmt.Fprintf(r.w, " => %s", r.head)
		case "error":
			fmt.Fprintf(r.w, "%s => ERROR %s\n", clear, r.head)
		}
		return
	}
	switch ev.Status {
	case "start":
		fmt.Fprintf(r.w, "#%d %s\n", ev.Step, head)
	case "cached":
		fmt.Fprintf(r.w, "#%d CACHED\n\n", ev.Step)
	case "done":
		fmt.Fprintf(r.w, "#%d DONE %.1fs\n\n", ev.Step, ev.Duration.Seconds())
	case "output":
		for _, l := range strings.Split(strings.TrimRight(ev.Output, "\n"), "\n") {
			fmt.Fprintf(r.w, "#%d %s\n", ev.Step, l)
		}
	case "error":
		fmt.Fprintf(r.w, "#%d ERROR\n", ev.Step)
	}
}

func (r *buildRenderer) finish(id string, tags []string) {
	n := r.last + 1
	fmt.Fprintf(r.w, "#%d writing image %s done\n", n, id)
	for _, t := range tags {
		full, err := layers.NormalizeRef(t)
		if err != nil {
			full = t
		}
		fmt.Fprintf(r.w, "#%d naming to %s done\n", n, full)
	}
	fmt.Fprintf(r.w, "Successfully built %s\n", strings.TrimPrefix(id, "sha256:")[:12])
	for _, t := range tags {
		fmt.Fprintf(r.w, "Successfully tagged %s\n", t)
	}
}
