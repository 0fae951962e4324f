package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// composeExtra are attach, version, export and commit, with docker
// compose's flags.
func composeExtra(cc *composeCLI) []*cobra.Command {
	return []*cobra.Command{composeAttach(cc), composeVersion(), composeExport(cc), composeCommit(cc)}
}

func composeAttach(cc *composeCLI) *cobra.Command {
	var noStdin, sigProxy bool
	var detachKeys string
	var index int
	cmd := &cobra.Command{Use: "attach [OPTIONS] SERVICE", Short: "Attach local standard input, output, and error streams to a service's running container",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, c, err := replica(cmd.Context(), cc, args[0], index, false)
			if err != nil {
				return err
			}
			info, err := r.E.Inspect(c.ID)
			if err != nil {
				return err
			}
			streams, restore := terminalStreams(!noStdin && info.Config.OpenStdin, info.Config.Tty)
			if streams.DetachKeys, err = parseDetachKeys(detachKeys); err != nil {
				restore()
				return err
			}
			ctx := context.Background()
			if sigProxy && !info.Config.Tty {
				defer proxySignals(ctx, r.E, info.ID)()
			}
			code, err := r.E.Attach(ctx, info.ID, streams)
			restore()
			return containerExit(code, err)
		}}
	f := cmd.Flags()
	f.StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching from a container")
	f.IntVar(&index, "index", 1, "index of the container if service has multiple replicas")
	f.BoolVar(&noStdin, "no-stdin", false, "Do not attach STDIN")
	f.BoolVar(&sigProxy, "sig-proxy", true, "Proxy all received signals to the process")
	return cmd
}

// composeVersion is `compose version`: berth's own version, as docker
// compose prints its own ("Docker Compose version v2.x"); --short drops
// the words and the "v".
func composeVersion() *cobra.Command {
	var format string
	var short bool
	cmd := &cobra.Command{Use: "version [OPTIONS]", Short: "Show the Docker Compose version information", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := version
			if !strings.HasPrefix(v, "v") && v != "dev" {
				v = "v" + v
			}
			switch {
			case short:
				fmt.Println(strings.TrimPrefix(v, "v"))
			case format == "json":
				b, _ := json.Marshal(map[string]string{"version": v})
				fmt.Println(string(b))
			case format == "" || format == "pretty":
				fmt.Println("berth compose version " + v)
			default:
				return fmt.Errorf("--format %q: pretty or json: %w", format, errdefs.ErrInvalid)
			}
			return nil
		}}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format the output. Values: [pretty | json]. (Default: pretty)")
	cmd.Flags().BoolVar(&short, "short", false, "Shows only Compose's version number")
	return cmd
}

func composeExport(cc *composeCLI) *cobra.Command {
	var output string
	var index int
	cmd := &cobra.Command{Use: "export [OPTIONS] SERVICE", Short: "Export a service container's filesystem as a tar archive",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, c, err := replica(cmd.Context(), cc, args[0], index, true)
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				if term.IsTerminal(int(os.Stdout.Fd())) {
					return fmt.Errorf("cowardly refusing to write a tar archive to a terminal: use -o FILE or redirect: %w", errdefs.ErrInvalid)
				}
				return r.E.Export(c.ID, os.Stdout)
			}
			return atomicfile.Write(output, 0o644, func(w io.Writer) error { return r.E.Export(c.ID, w) })
		}}
	cmd.Flags().IntVar(&index, "index", 1, "index of the container if service has multiple replicas.")
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a file, instead of STDOUT")
	return cmd
}

func composeCommit(cc *composeCLI) *cobra.Command {
	var o engine.CommitOptions
	var index int
	cmd := &cobra.Command{Use: "commit [OPTIONS] SERVICE [REPOSITORY[:TAG]]", Short: "Create a new image from a service container's changes",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 2 {
				o.Repo = args[1]
			}
			r, c, err := replica(cmd.Context(), cc, args[0], index, true)
			if err != nil {
				return err
			}
			id, err := r.E.Commit(cmd.Context(), c.ID, o)
			if err != nil {
				return err
			}
			fmt.Println(id)
			return nil
		}}
	f := cmd.Flags()
	f.StringVarP(&o.Author, "author", "a", "", `Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`)
	f.StringArrayVarP(&o.Changes, "change", "c", nil, "Apply Dockerfile instruction to the created image")
	f.IntVar(&index, "index", 1, "index of the container if service has multiple replicas.")
	f.StringVarP(&o.Message, "message", "m", "", "Commit message")
	f.BoolVarP(&o.Pause, "pause", "p", true, "Pause container during commit")
	return cmd
}
