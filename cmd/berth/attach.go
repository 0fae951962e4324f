package main

import (
	"context"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newAttachCmd) }

func newAttachCmd(c *cli) *cobra.Command {
	var noStdin bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] CONTAINER",
		Short: "Attach local standard input, output, and error streams to a running container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			info, err := e.Inspect(args[0])
			if err != nil {
				return err
			}
			stdin := !noStdin && info.Config.OpenStdin
			streams, restore := terminalStreams(stdin, info.Config.Tty)
			if streams.DetachKeys, err = parseDetachKeys(detachKeys); err != nil {
				return err
			}
			ctx := context.Background()
			if !info.Config.Tty {
				defer proxySignals(ctx, e, info.ID)()
			}
			code, err := e.Attach(ctx, info.ID, streams)
			restore()
			return containerExit(code, err)
		},
	}
	cmd.Flags().BoolVar(&noStdin, "no-stdin", false, "Do not attach STDIN")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}
