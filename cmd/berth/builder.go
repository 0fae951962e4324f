package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newBuilderCmd) }

func newBuilderCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "builder", Short: "Manage builds"}
	var force bool
	prune := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove build cache",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			if !confirmPrune(force, "all build cache") {
				return nil
			}
			n, err := e.PruneBuildCache(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Printf("Total reclaimed space: %s\n", humanSize(n))
			return nil
		},
	}
	prune.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	// berth's cache has no dangling entries apart from the rest: every step
	// image is unused once its build is done, so -a changes nothing.
	prune.Flags().BoolP("all", "a", false, "Remove all unused build cache (berth's is all unused; the same as without)")
	cmd.AddCommand(prune)
	return cmd
}
