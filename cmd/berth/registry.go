package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newRegistryCmd) }

func newRegistryCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Run and look into a local registry (the OCI distribution API)"}
	cmd.AddCommand(newRegistryServeCmd(c), newRegistryLsCmd(c))
	return cmd
}

func newRegistryServeCmd(c *cli) *cobra.Command {
	var addr, dir string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--dir DIR]",
		Short: "Serve a registry that keeps its images on disk, until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				dir = engine.RegistryDir(c.storeRoot())
			}
			var logw io.Writer
			if verbose {
				logw = os.Stderr
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return engine.ServeRegistry(ctx, addr, dir, logw, func(a string) {
				fmt.Fprintf(os.Stderr, "registry listening on %s, storing in %s\n", a, dir)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&addr, "addr", engine.DefaultRegistryAddr, "Address to listen on (\":5000\" shares it with the network)")
	fs.StringVar(&dir, "dir", "", "Directory of blobs and manifests (default <root>/registry)")
	fs.BoolVarP(&verbose, "verbose", "v", false, "Log every request to stderr")
	return cmd
}

// storeRoot is the store directory the global flags and BERTH_ROOT name,
// for verbs that do not open the store.
func (c *cli) storeRoot() string {
	switch {
	case c.rootDir != "":
		return c.rootDir
	case os.Getenv("BERTH_ROOT") != "":
		return os.Getenv("BERTH_ROOT")
	}
	return engine.DefaultRoot
}
