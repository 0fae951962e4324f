package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newDiffCmd) }

func newDiffCmd(c *cli) *cobra.Command {
	var long, asJSON bool
	cmd := &cobra.Command{
		Use:   "diff [OPTIONS] CONTAINER",
		Short: "Inspect changes to files or directories on a container's filesystem",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			entries, err := e.ContainerLayer(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(nonNilEntries(entries))
			}
			for _, en := range entries {
				if long {
					fmt.Println(en.Change.Letter() + " " + entryLine(en))
				} else {
					fmt.Println(en.Change.Letter() + " " + en.Path)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&long, "long", "l", false, "Show mode, owner and size of each path")
	cmd.Flags().BoolVar(&asJSON, "json", false, "Print every changed path with its metadata as JSON")
	return cmd
}
