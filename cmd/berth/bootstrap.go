package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newBootstrapCmd) }

func newBootstrapCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "bootstrap",
		Short: "Create busybox:latest from the host's static busybox, without a registry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			s, err := e.Bootstrap()
			if err != nil {
				return err
			}
			fmt.Printf("%s %s\n", s.RepoTags[0], s.ID)
			return nil
		},
	}
}
