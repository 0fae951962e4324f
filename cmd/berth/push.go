package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/layers"
)

func init() { commands = append(commands, newPushCmd) }

func newPushCmd(c *cli) *cobra.Command {
	return newTransferCmd(c, "push [OPTIONS] NAME[:TAG]", "Upload an image to a registry", "pushing",
		func(ctx context.Context, t *transfer) error {
			if !t.quiet {
				repo, _ := layers.SplitRef(t.full)
				fmt.Printf("The push refers to repository [%s]\n", repo)
			}
			res, err := t.e.Push(ctx, t.ref, t.opts)
			if err != nil {
				return err
			}
			if t.quiet {
				fmt.Println(t.full)
				return nil
			}
			fmt.Printf("%s: digest: %s size: %d\n", res.Tag, res.Digest, res.Size)
			return nil
		})
}
