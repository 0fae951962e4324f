package main

import (
	"encoding/json"
	"os"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newOCISpecCmd) }

// newOCISpecCmd prints the OCI runtime spec berth gives a container, runc's
// config.json. Hidden: it is for learners comparing runtimes and for the
// start benchmark, not part of docker's CLI.
func newOCISpecCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:    "oci-spec CONTAINER",
		Short:  "Print the OCI runtime spec (runc's config.json) of a container",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			spec, err := e.RuntimeSpec(args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(spec)
		},
	}
}
