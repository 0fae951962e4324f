package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newCreateCmd) }

func newCreateCmd(c *cli) *cobra.Command {
	var f createFlags
	var pf pullFlags
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create a new container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(cmd.Flags(), args)
			if err != nil {
				return exitError{code: 125, msg: oneLine(err)}
			}
			e, err := c.engine()
			if err != nil {
				return engineError(err)
			}
			if err := pf.ensureImage(e, opts.Image, os.Stderr); err != nil {
				return engineError(err)
			}
			cidfile, err := f.extra.openCidfile()
			if err != nil {
				return exitError{code: 125, msg: err.Error()}
			}
			id, err := e.Create(opts)
			if err := writeCidfile(cidfile, id, err); err != nil {
				return exitError{code: 125, msg: err.Error()}
			}
			if err != nil {
				return engineError(err)
			}
			fmt.Println(id)
			return nil
		},
	}
	f.register(cmd.Flags())
	pf.register(cmd.Flags())
	return cmd
}
