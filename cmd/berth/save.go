package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
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
			// Written beside the target and renamed: a failed save leaves no
			// half archive behind.
			f, err := os.CreateTemp(dirOf(output), ".berth-save-*")
			if err != nil {
				return fmt.Errorf("failed to save image: %w", err)
			}
			defer os.Remove(f.Name())
			if err := writeClose(f, func(w io.Writer) error { return e.Save(w, args, format) }); err != nil {
				return err
			}
			f.Chmod(0o644)
			return os.Rename(f.Name(), output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a file, instead of STDOUT")
	cmd.Flags().StringVar(&format, "format", "docker-archive", "Archive format: docker-archive or oci-archive")
	return cmd
}

func writeClose(f *os.File, fill func(io.Writer) error) error {
	err := fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i+1]
		}
	}
	return "."
}
