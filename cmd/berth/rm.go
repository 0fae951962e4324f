package main

import (
	"context"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newRmCmd) }

func newRmCmd(c *cli) *cobra.Command {
	var force bool
	cmd := simpleVerb(c, "rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
		func(c *cli, ref string) error { return c.eng.Remove(context.Background(), ref, force) })
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the removal of a running container (uses SIGKILL)")
	cmd.Aliases = []string{"remove"}
	return cmd
}
