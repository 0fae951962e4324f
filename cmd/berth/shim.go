package main

import (
	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newShimCmd) }

// newShimCmd is the hidden `berth shim`: the per-container supervisor that
// `run` and `start` launch. Users never call it.
func newShimCmd(c *cli) *cobra.Command {
	var o engine.ShimOptions
	var prepared bool
	cmd := &cobra.Command{
		Use:    "shim [--root DIR] --run-root DIR ID | shim --prepared",
		Hidden: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if prepared {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if prepared {
				return engine.RunPreparedShim()
			}
			o.ID, o.Root = args[0], c.rootDir
			return engine.RunShim(o)
		},
	}
	cmd.Flags().BoolVar(&prepared, "prepared", false, "wait for the container on fd 4 (engine.Options.PrepareStart)")
	cmd.Flags().StringVar(&o.RunRoot, "run-root", "", "run directory")
	cmd.Flags().BoolVar(&o.WaitAttach, "wait-attach", false, "start only once a client has attached")
	return cmd
}
