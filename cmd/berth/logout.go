package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newLogoutCmd) }

func newLogoutCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "logout [SERVER]",
		Short: "Log out from a registry",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			server := ""
			if len(args) == 1 {
				server = args[0]
			}
			key, had, err := engine.Logout(server)
			if err != nil {
				return err
			}
			if !had {
				fmt.Printf("Not logged in to %s\n", key)
				return nil
			}
			fmt.Printf("Removing login credentials for %s\n", key)
			return nil
		},
	}
}
