package main

import "github.com/spf13/cobra"

func init() { commands = append(commands, newPauseCmd, newUnpauseCmd) }

func newPauseCmd(c *cli) *cobra.Command {
	return simpleVerb(c, "pause CONTAINER [CONTAINER...]", "Pause all processes within one or more containers",
		func(c *cli, ref string) error { return c.eng.Pause(ref) })
}

func newUnpauseCmd(c *cli) *cobra.Command {
	return simpleVerb(c, "unpause CONTAINER [CONTAINER...]", "Unpause all processes within one or more containers",
		func(c *cli, ref string) error { return c.eng.Unpause(ref) })
}
