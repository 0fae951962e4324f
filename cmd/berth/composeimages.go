package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/compose"
)

// composeBuild is `compose build`: the services' build sections, with
// docker compose's --no-cache, --pull and --build-arg over them.
func composeBuild(cc *composeCLI) *cobra.Command {
	var o compose.BuildOptions
	var args []string
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
			return r.Build(cmd.Context(), services, o)
		}}
	f := cmd.Flags()
	f.BoolVar(&o.NoCache, "no-cache", false, "Do not use cache when building the image")
	f.BoolVar(&o.Pull, "pull", false, "Always attempt to pull a newer version of the image")
	f.StringArrayVar(&args, "build-arg", nil, "Set build-time variables for services")
	return cmd
}

func composePull(cc *composeCLI) *cobra.Command {
	var o compose.PullOptions
	cmd := &cobra.Command{Use: "pull [OPTIONS] [SERVICE...]", Short: "Pull service images",
		RunE: func(cmd *cobra.Command, services []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			return r.Pull(cmd.Context(), services, o)
		}}
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
