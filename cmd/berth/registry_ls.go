package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func newRegistryLsCmd(c *cli) *cobra.Command {
	var addr, dir string
	cmd := &cobra.Command{
		Use:   "ls [--addr HOST:PORT | --dir DIR]",
		Short: "List the repositories and tags of a registry (served, or its directory)",
		Args:  cobra.NoArgs,
	}
	rf := registryFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var repos []engine.RegistryRepository
		var err error
		prefix := addr + "/"
		if dir != "" {
			prefix = ""
			repos, err = engine.ListRegistryDir(context.Background(), dir)
		} else {
			var opts engine.RegistryOptions
			if opts, err = rf.options(c); err == nil {
				repos, err = engine.ListRegistry(context.Background(), addr, opts)
			}
		}
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "REPOSITORY\tTAGS")
		for _, r := range repos {
			fmt.Fprintf(tw, "%s%s\t%s\n", prefix, r.Name, strings.Join(r.Tags, ", "))
		}
		return tw.Flush()
	}
	cmd.Flags().StringVar(&addr, "addr", engine.DefaultRegistryAddr, "The registry (host:port)")
	cmd.Flags().StringVar(&dir, "dir", "", "Read this registry directory instead (no server needed)")
	return cmd
}
