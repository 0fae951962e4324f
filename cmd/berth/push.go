package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/layers"
)

func init() { commands = append(commands, newPushCmd) }

func newPushCmd(c *cli) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Args:  cobra.ExactArgs(1),
	}
	insecure := registryFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		e, err := c.engine()
		if err != nil {
			return err
		}
		full, err := layers.NormalizeRef(args[0])
		if err != nil {
			return fmt.Errorf("pushing %s: %w", args[0], err)
		}
		if !quiet {
			repo, _ := layers.SplitRef(full)
			fmt.Printf("The push refers to repository [%s]\n", repo)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		prog := newTransferProgress(quiet)
		res, err := e.Push(ctx, args[0], engine.RegistryOptions{Insecure: *insecure, Progress: prog.update})
		if err != nil {
			return err
		}
		if quiet {
			fmt.Println(full)
			return nil
		}
		fmt.Printf("%s: digest: %s size: %d\n", res.Tag, res.Digest, res.Size)
		return nil
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	return cmd
}
