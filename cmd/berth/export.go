package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

func init() { commands = append(commands, newExportCmd) }

func newExportCmd(c *cli) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [OPTIONS] CONTAINER",
		Short: "Export a container's filesystem as a tar archive",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				if term.IsTerminal(int(os.Stdout.Fd())) {
					return fmt.Errorf("cowardly refusing to write a tar archive to a terminal: use -o FILE or redirect: %w", errdefs.ErrInvalid)
				}
				return e.Export(args[0], os.Stdout)
			}
			return atomicfile.Write(output, 0o644, func(w io.Writer) error { return e.Export(args[0], w) })
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a file, instead of STDOUT")
	return cmd
}
