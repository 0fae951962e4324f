package main

import (
	"strings"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newContainerCmd) }

// newContainerCmd is docker's `container` management command: the
// container verbs again under one parent, with docker's aliases
// (container ls|ps|list, container rm|remove), plus container prune.
func newContainerCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "container", Short: "Manage containers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	ls := newPsCmd(c)
	ls.Use, ls.Aliases = "ls [OPTIONS]", []string{"ps", "list"}
	rm := newRmCmd(c)
	rm.Aliases = append(rm.Aliases, "remove")
	for _, mk := range []func(*cli) *cobra.Command{newAttachCmd, newCommitCmd, newCpCmd, newCreateCmd,
		newDiffCmd, newExecCmd, newExportCmd, newKillCmd, newLogsCmd, newPauseCmd, newPortCmd, newRenameCmd,
		newRestartCmd, newRunCmd, newStartCmd, newStatsCmd, newStopCmd, newTopCmd, newUnpauseCmd, newWaitCmd,
		newContainerPruneCmd} {
		cmd.AddCommand(mk(c))
	}
	inspect := newInspectCmd(c)
	inspect.Use = strings.Replace(inspect.Use, "NAME|ID [NAME|ID...]", "CONTAINER [CONTAINER...]", 1)
	cmd.AddCommand(ls, rm, inspect)
	return cmd
}
