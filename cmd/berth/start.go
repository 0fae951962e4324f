package main

import (
	"context"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newStartCmd) }

func newStartCmd(c *cli) *cobra.Command {
	var attach, interactive bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Start one or more stopped containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			ctx := context.Background()
			if !attach && !interactive {
				return forEach(args, func(ref string) error {
					_, err := e.Start(ctx, ref, nil)
					return err
				})
			}
			if len(args) > 1 {
				return exitError{code: 1, msg: "you cannot start and attach multiple containers at once"}
			}
			info, err := e.Inspect(args[0])
			if err != nil {
				return err
			}
			streams, restore := terminalStreams(interactive, info.Config.Tty)
			if streams.DetachKeys, err = parseDetachKeys(detachKeys); err != nil {
				return err
			}
			if !info.Config.Tty {
				defer proxySignals(ctx, e, info.ID)()
			}
			code, err := e.Start(ctx, info.ID, &streams)
			restore()
			return containerExit(code, err)
		},
	}
	cmd.Flags().BoolVarP(&attach, "attach", "a", false, "Attach STDOUT/STDERR and forward signals")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "Attach container's STDIN")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}
