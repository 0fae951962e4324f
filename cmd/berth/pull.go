package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newPullCmd) }

func newPullCmd(c *cli) *cobra.Command {
	var platform string
	cmd := newTransferCmd(c, "pull [OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", "pulling",
		func(ctx context.Context, t *transfer) error {
			var w io.Writer = os.Stdout
			if t.quiet {
				w = io.Discard
			}
			t.opts.Platform = platform
			if err := pullTo(ctx, t.e, t.ref, t.opts, w, true); err != nil {
				return err
			}
			fmt.Println(t.full)
			return nil
		})
	cmd.Flags().StringVar(&platform, "platform", "", "Pick this platform (os/arch[/variant]) from a multi-platform image (default: the host's)")
	return cmd
}
