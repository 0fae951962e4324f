package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newRunCmd) }

func newRunCmd(c *cli) *cobra.Command {
	var f createFlags
	var pf pullFlags
	var detach bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create and run a new container from an image",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := f.options(cmd.Flags(), args)
			if err != nil {
				return exitError{code: 125, msg: oneLine(err)}
			}
			if detach && len(opts.Attach) > 0 {
				return exitError{code: 125, msg: "conflicting options: cannot specify both --attach and --detach"}
			}
			if !detach {
				if err := checkTTY(f.interactive, f.tty); err != nil {
					return err
				}
			}
			c.prepareStart = true // its start-up overlaps Create
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
			ctx := context.Background()
			if detach {
				if _, err := e.Start(ctx, id, nil); err != nil {
					return containerExit(0, engineError(err))
				}
				fmt.Println(id)
				return nil
			}
			streams, restore := terminalStreams(f.interactive, f.tty)
			attachOnly(&streams, opts.Attach)
			streams.DetachKeys, err = parseDetachKeys(detachKeys)
			if err != nil {
				return exitError{code: 125, msg: oneLine(err)}
			}
			if !f.tty {
				stop := proxySignals(ctx, e, id)
				defer stop()
			}
			code, err := e.Start(ctx, id, &streams)
			restore()
			return containerExit(code, engineError(err))
		},
	}
	f.register(cmd.Flags())
	pf.register(cmd.Flags())
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "Run container in background and print container ID")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}
