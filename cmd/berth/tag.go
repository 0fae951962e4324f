package main

import (
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTagCmd) }

func newTagCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		Short: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return e.Tag(args[0], args[1])
		},
	}
}
