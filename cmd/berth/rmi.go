package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newRmiCmd) }

func newRmiCmd(c *cli) *cobra.Command {
	var force, noPrune bool
	cmd := &cobra.Command{
		Use:   "rmi [OPTIONS] IMAGE [IMAGE...]",
		Short: "Remove one or more images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			failed := false
			for _, ref := range args {
				rm, err := e.RemoveImage(ref, force)
				for _, n := range rm.Untagged {
					fmt.Println("Untagged: " + n)
				}
				for _, id := range rm.Deleted {
					fmt.Println("Deleted: " + id)
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "berth: "+oneLine(err))
					failed = true
				}
			}
			if failed {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force removal of the image")
	cmd.Flags().BoolVar(&noPrune, "no-prune", false, "Do not delete untagged parents")
	return cmd
}
