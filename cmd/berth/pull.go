package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/layers"
)

func init() { commands = append(commands, newPullCmd) }

func newPullCmd(c *cli) *cobra.Command {
	var platform string
	cmd := newTransferCmd(c, "pull [OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", "pulling",
		func(ctx context.Context, t *transfer) error {
			if !t.quiet {
				repo, tag := layers.SplitRef(t.full)
				if !strings.ContainsAny(t.ref[strings.LastIndex(t.ref, "/")+1:], ":@") {
					fmt.Println("Using default tag: latest")
				}
				fmt.Printf("%s: Pulling from %s\n", tag, layers.FamiliarName(repo))
			}
			t.opts.Platform = platform
			res, err := t.e.Pull(ctx, t.ref, t.opts)
			if err != nil {
				return err
			}
			if !t.quiet {
				status := "Downloaded newer image for "
				if res.UpToDate {
					status = "Image is up to date for "
				}
				fmt.Printf("Digest: %s\nStatus: %s%s\n", res.Digest, status, res.Ref)
			}
			fmt.Println(t.full)
			return nil
		})
	cmd.Flags().StringVar(&platform, "platform", "", "Pick this platform (os/arch[/variant]) from a multi-platform image (default: the host's)")
	return cmd
}
