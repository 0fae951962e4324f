package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newCommitCmd) }

func newCommitCmd(c *cli) *cobra.Command {
	var opts engine.CommitOptions
	cmd := &cobra.Command{
		Use:   "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
		Short: "Create a new image from a container's changes",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 2 {
				opts.Repo = args[1]
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			id, err := e.Commit(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			fmt.Println(id)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&opts.Changes, "change", "c", nil, "Apply Dockerfile instruction to the created image")
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "Commit message")
	cmd.Flags().StringVarP(&opts.Author, "author", "a", "", `Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`)
	cmd.Flags().BoolVarP(&opts.Pause, "pause", "p", true, "Pause container during commit")
	return cmd
}
