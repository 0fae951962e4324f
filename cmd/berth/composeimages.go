package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/compose"
)

// composeBuild is `compose build`: the services' build sections, with
// docker compose's --no-cache, --pull and --build-arg over them.
func composeBuild(cc *composeCLI) *cobra.Command {
	var o compose.BuildOptions
	var args []string
	var quiet bool
	cmd := &cobra.Command{Use: "build [OPTIONS] [SERVICE...]", Short: "Build or rebuild services",
		RunE: func(cmd *cobra.Command, services []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			o.Args = map[string]string{}
			for _, a := range args {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					return fmt.Errorf("--build-arg %q: want KEY=VALUE", a)
				}
				o.Args[k] = v
			}
			r.Quiet = quiet
			return r.Build(cmd.Context(), services, o)
		}}
	f := cmd.Flags()
	f.BoolVar(&o.Push, "push", false, "Push service images")
	f.BoolVarP(&quiet, "quiet", "q", false, "Don't print anything to STDOUT")
	f.BoolVar(&o.WithDeps, "with-dependencies", false, "Also build dependencies (transitively)")
	f.BoolVar(&o.NoCache, "no-cache", false, "Do not use cache when building the image")
	f.BoolVar(&o.Pull, "pull", false, "Always attempt to pull a newer version of the image")
	f.StringArrayVar(&args, "build-arg", nil, "Set build-time variables for services")
	return cmd
}

func composePull(cc *composeCLI) *cobra.Command {
	var o compose.PullOptions
	var quiet bool
	cmd := &cobra.Command{Use: "pull [OPTIONS] [SERVICE...]", Short: "Pull service images",
		RunE: func(cmd *cobra.Command, services []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			r.Quiet = quiet
			return r.Pull(cmd.Context(), services, o)
		}}
	cmd.Flags().StringVar(&o.Policy, "policy", "", `Apply pull policy ("missing"|"always")`)
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Pull without printing progress information")
	cmd.Flags().BoolVar(&o.IncludeDeps, "include-deps", false, "Also pull services declared as dependencies")
	cmd.Flags().BoolVar(&o.IgnoreBuildable, "ignore-buildable", false, "Ignore images that can be built")
	cmd.Flags().BoolVar(&o.IgnoreFailures, "ignore-pull-failures", false, "Pull what it can and ignores images with pull failures")
	return cmd
}

func composePush(cc *composeCLI) *cobra.Command {
	var ignore bool
	cmd := &cobra.Command{Use: "push [OPTIONS] [SERVICE...]", Short: "Push service images",
		RunE: func(cmd *cobra.Command, services []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			return r.Push(cmd.Context(), services, ignore)
		}}
	cmd.Flags().BoolVar(&ignore, "ignore-push-failures", false, "Push what it can and ignores images with push failures")
	return cmd
}

// composeImage is a line of `compose images`, docker compose's fields.
type composeImage struct {
	ID            string     `json:"ID"`
	ContainerName string     `json:"ContainerName"`
	Repository    string     `json:"Repository"`
	Tag           string     `json:"Tag"`
	Platform      string     `json:"Platform"`
	Size          int64      `json:"Size"`
	Created       *time.Time `json:"Created,omitempty"`
}

// splitRepoTag splits a name at its tag's colon, not a registry port's.
func splitRepoTag(ref string) (repo, tag string) {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:]
	}
	return ref, "latest"
}

func composeImages(cc *composeCLI) *cobra.Command {
	var quiet bool
	var format string
	cmd := &cobra.Command{Use: "images [OPTIONS] [SERVICE...]", Short: "List images used by the created containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: table or json", format)
			}
			r, cs, err := cc.projectContainers(cmd.Context(), args)
			if err != nil {
				return err
			}
			var list []composeImage
			for _, c := range cs {
				img, err := r.E.ImageInspect(c.ImageID)
				if err != nil {
					return err
				}
				repo, tag := splitRepoTag(c.Image)
				ci := composeImage{ID: img.ID, ContainerName: compose.Name(c), Repository: repo, Tag: tag, Platform: img.Os + "/" + img.Architecture, Size: img.Size}
				if t, err := time.Parse(time.RFC3339Nano, img.Created); err == nil {
					ci.Created = &t
				}
				list = append(list, ci)
			}
			switch {
			case quiet:
				var ids []string
				for _, i := range list {
					if id := strings.TrimPrefix(i.ID, "sha256:"); !slices.Contains(ids, id) {
						ids = append(ids, id)
						fmt.Println(id)
					}
				}
				return nil
			case format == "json":
				b, err := json.Marshal(list)
				if err != nil {
					return err
				}
				fmt.Println(string(b))
				return nil
			}
			tw := tabwriter.NewWriter(os.Stdout, 10, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "CONTAINER\tREPOSITORY\tTAG\tPLATFORM\tIMAGE ID\tSIZE\tCREATED")
			for _, i := range list {
				created := "N/A"
				if i.Created != nil {
					created = timeAgo(*i.Created)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i.ContainerName, i.Repository, i.Tag, i.Platform, shortID(i.ID), humanSize(i.Size), created)
			}
			return tw.Flush()
		}}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only display IDs")
	cmd.Flags().StringVar(&format, "format", "table", "Format the output. Values: [table | json]")
	return cmd
}
