package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/layers"
)

func init() { commands = append(commands, newPullCmd) }

func newPullCmd(c *cli) *cobra.Command {
	var platform string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry",
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
			return fmt.Errorf("pulling %s: %w", args[0], err)
		}
		repo, tag := layers.SplitRef(full)
		if !quiet {
			if !strings.ContainsAny(args[0][strings.LastIndex(args[0], "/")+1:], ":@") {
				fmt.Println("Using default tag: latest")
			}
			fmt.Printf("%s: Pulling from %s\n", tag, layers.FamiliarName(repo))
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		prog := newTransferProgress(quiet)
		res, err := e.Pull(ctx, args[0], engine.RegistryOptions{Insecure: *insecure, Platform: platform, Progress: prog.update})
		if err != nil {
			return err
		}
		if !quiet {
			status := "Downloaded newer image for "
			if res.UpToDate {
				status = "Image is up to date for "
			}
			fmt.Printf("Digest: %s\nStatus: %s%s\n", res.Digest, status, res.Ref)
		}
		fmt.Println(full)
		return nil
	}
	cmd.Flags().StringVar(&platform, "platform", "", "Pick this platform (os/arch[/variant]) from a multi-platform image (default: the host's)")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	return cmd
}
