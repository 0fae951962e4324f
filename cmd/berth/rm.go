package main

import (
	"context"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newRmCmd) }

func newRmCmd(c *cli) *cobra.Command {
	var force, volumes bool
	cmd := simpleVerb(c, "rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
		func(c *cli, ref string) error {
			return c.eng.RemoveWithVolumes(context.Background(), ref, force, volumes)
		})
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the removal of a running container (uses SIGKILL)")
	cmd.Flags().BoolVarP(&volumes, "volumes", "v", false, "Remove anonymous volumes associated with the container")
	cmd.Aliases = []string{"remove"}
	return cmd
}
