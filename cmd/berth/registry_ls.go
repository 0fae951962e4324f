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
	var addr string
	cmd := &cobra.Command{
		Use:   "ls [--addr HOST:PORT]",
		Short: "List the repositories and tags of a registry",
		Args:  cobra.NoArgs,
	}
	insecure := registryFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts := engine.RegistryOptions{Insecure: append(*insecure, engine.ConfiguredInsecureRegistries(c.storeRoot())...)}
		repos, err := engine.ListRegistry(context.Background(), addr, opts)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "REPOSITORY\tTAGS")
		for _, r := range repos {
			fmt.Fprintf(tw, "%s/%s\t%s\n", addr, r.Name, strings.Join(r.Tags, ", "))
		}
		return tw.Flush()
	}
	cmd.Flags().StringVar(&addr, "addr", engine.DefaultRegistryAddr, "The registry (host:port)")
	return cmd
}
