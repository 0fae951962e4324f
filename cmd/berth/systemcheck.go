package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// newSystemCheckCmd is `berth system check [--repair]`: exit 0 when the
// store is consistent, 1 with one line per problem otherwise.
func newSystemCheckCmd(c *cli) *cobra.Command {
	var repair bool
	cmd := &cobra.Command{
		Use:   "check [OPTIONS]",
		Short: "Check the store: blobs, references, snapshots, mounts, cgroups, shims",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			problems, err := e.Check(repair)
			if err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Println(p)
			}
			if len(problems) == 0 {
				return nil
			}
			if repair {
				fmt.Fprintf(os.Stderr, "berth: %d problems; orphans and leftovers removed\n", len(problems))
			}
			return exitError{code: 1}
		},
	}
	cmd.Flags().BoolVar(&repair, "repair", false, "Remove orphans and leftovers (never data an image or container refers to)")
	return cmd
}
