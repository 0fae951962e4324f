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

// transfer is what `berth pull` and `berth push` start from: the store,
// the reference as given and normalised, --quiet, and registry options
// with --insecure-registry and the progress display set.
type transfer struct {
	e     *engine.Engine
	ref   string // as given
	full  string // normalised: registry/repository:tag
	quiet bool
	opts  engine.RegistryOptions
}

// newTransferCmd makes a verb that moves one image to or from a registry:
// it opens the store, normalises NAME (an error reads "VERB NAME: ..."),
// and calls run until it returns or an interrupt cancels ctx.
func newTransferCmd(c *cli, use, short, verb string, run func(ctx context.Context, t *transfer) error) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1)}
	rf := registryFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		e, err := c.engine()
		if err != nil {
			return err
		}
		full, err := layers.NormalizeRef(args[0])
		if err != nil {
			return fmt.Errorf("%s %s: %w", verb, args[0], err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		opts, err := rf.options(nil)
		if err != nil {
			return fmt.Errorf("%s %s: %w", verb, args[0], err)
		}
		prog := newTransferProgress(quiet)
		opts.Progress = prog.update
		return run(ctx, &transfer{e: e, ref: args[0], full: full, quiet: quiet, opts: opts})
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	return cmd
}
