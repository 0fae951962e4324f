package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/internal/atomicfile"
)

func init() { commands = append(commands, newSaveCmd) }

func newSaveCmd(c *cli) *cobra.Command {
	var output, format string
	cmd := &cobra.Command{
		Use:   "save [OPTIONS] IMAGE [IMAGE...]",
		Short: "Save one or more images to a tar archive (streamed to STDOUT by default)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" && term.IsTerminal(int(os.Stdout.Fd())) {
				return errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect")
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			if output == "" {
				return e.Save(os.Stdout, args, format)
			}
			// Written as an unnamed file beside the target and linked in
			// when complete: a failed or killed save leaves nothing.
			f, err := atomicfile.CreateBeside(output, 0o644)
			if err != nil {
				return fmt.Errorf("failed to save image: %w", err)
			}
			if err := e.Save(f, args, format); err != nil {
				f.Abort()
				return err
			}
			return f.Commit()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a file, instead of STDOUT")
	cmd.Flags().StringVar(&format, "format", "docker-archive", "Archive format: docker-archive or oci-archive")
	return cmd
}
