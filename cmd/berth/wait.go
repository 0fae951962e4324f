package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newWaitCmd, newRenameCmd) }

func newWaitCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "wait CONTAINER [CONTAINER...]",
		Short: "Block until one or more containers stop, then print their exit codes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			failed := false
			for _, ref := range args {
				code, err := e.Wait(context.Background(), ref)
				if err != nil {
					fmt.Fprintln(os.Stderr, "berth: "+oneLine(err))
					failed = true
					continue
				}
				fmt.Println(code)
			}
			if failed {
				return exitError{code: 1}
			}
			return nil
		},
	}
}

func newRenameCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NEW_NAME",
		Short: "Rename a container",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return e.Rename(args[0], args[1])
		},
	}
}
