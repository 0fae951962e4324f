package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/docker/cli/cli/command/formatter/tabwriter"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTopCmd) }

// newTopCmd is docker's top: the host's ps (default -ef) limited to the
// container's processes, with ps's own columns. Container-side PIDs are
// in `berth inspect --processes`.
func newTopCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top CONTAINER [ps OPTIONS]",
		Short: "Display the running processes of a container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			t, err := e.TopPS(args[0], args[1:])
			if err != nil {
				return err
			}
			// docker/cli's top: its tabwriter, columns at least 20 wide
			tw := tabwriter.NewWriter(os.Stdout, 20, 1, 3, ' ', 0)
			fmt.Fprintln(tw, strings.Join(t.Titles, "\t"))
			for _, p := range t.Processes {
				fmt.Fprintln(tw, strings.Join(p, "\t"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().SetInterspersed(false) // ps's options are ps's
	return cmd
}
