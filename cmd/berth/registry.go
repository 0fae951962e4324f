package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newRegistryCmd) }

func newRegistryCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "Run and look into a local registry (the OCI distribution API)"}
	cmd.AddCommand(newRegistryServeCmd(c), newRegistryLsCmd(c), newRegistryUserCmd(c), newRegistryGCCmd(c))
	return cmd
}

func newRegistryServeCmd(c *cli) *cobra.Command {
	var cfg engine.RegistryServeConfig
	var verbose bool
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--dir DIR] [--htpasswd FILE [--anonymous-pull]] [--tls-cert FILE --tls-key FILE | --tls-self-signed]",
		Short: "Serve a registry that keeps its images on disk, until interrupted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Dir == "" {
				cfg.Dir = engine.RegistryDir(c.storeRoot())
			}
			if verbose {
				cfg.Log = os.Stderr
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// The address comes last: scripts wait for it.
			return engine.ServeRegistry(ctx, cfg, func(i engine.RegistryServeInfo) {
				for _, w := range i.Warnings {
					fmt.Fprintln(os.Stderr, w)
				}
				if i.TLS {
					fmt.Fprintf(os.Stderr, "TLS certificate %s, SHA-256 fingerprint %s\n", i.CertFile, i.Fingerprint)
				}
				fmt.Fprintf(os.Stderr, "registry listening on %s, storing in %s\n", i.Addr, cfg.Dir)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Addr, "addr", engine.DefaultRegistryAddr, "Address to listen on (\":5000\" shares it with the network)")
	fs.StringVar(&cfg.Dir, "dir", "", "Directory of blobs and manifests (default <root>/registry)")
	fs.StringVar(&cfg.Htpasswd, "htpasswd", "", "Users allowed to push and pull: an htpasswd file of bcrypt hashes (`berth registry user add`)")
	fs.BoolVar(&cfg.AnonymousPull, "anonymous-pull", false, "With --htpasswd, let anyone pull without logging in")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "Serve HTTPS with this PEM certificate (and --tls-key)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "The PEM private key of --tls-cert")
	fs.BoolVar(&cfg.TLSSelfSigned, "tls-self-signed", false, "Serve HTTPS with a self-signed certificate kept in DIR/tls (its fingerprint is printed)")
	fs.IntVar(&cfg.MaxUploads, "max-uploads", 0, "Uploads in progress at once; more are answered 429 (default 64)")
	fs.DurationVar(&cfg.StallTimeout, "stall-timeout", 0, "Close a connection whose request body sends nothing for this long (default 1m)")
	fs.DurationVar(&cfg.UploadExpiry, "upload-expiry", 0, "Remove unfinished uploads older than this (default 6h)")
	fs.BoolVarP(&verbose, "verbose", "v", false, "Log every request to stderr")
	return cmd
}

func newRegistryGCCmd(c *cli) *cobra.Command {
	var dir string
	var opts engine.RegistryGCOptions
	cmd := &cobra.Command{
		Use:   "gc [--dir DIR] [--dry-run] [--untagged]",
		Short: "Remove blobs no manifest refers to and abandoned uploads (while the registry is not serving)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				dir = engine.RegistryDir(c.storeRoot())
			}
			opts.Out = os.Stdout
			n, err := engine.GarbageCollectRegistry(context.Background(), dir, opts)
			if err != nil {
				return err
			}
			fmt.Printf("%d abandoned uploads removed\n", n)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&dir, "dir", "", "The registry's directory (default <root>/registry)")
	fs.BoolVar(&opts.DryRun, "dry-run", false, "Only print what would be removed")
	fs.BoolVar(&opts.RemoveUntagged, "untagged", false, "Also remove manifests no tag names (signatures and other referrers too)")
	fs.DurationVar(&opts.UploadsOlderThan, "uploads-older-than", time.Hour, "Remove unfinished uploads started longer ago than this")
	return cmd
}

func newRegistryUserCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the users of a registry's htpasswd file"}
	var file string
	var stdin bool
	add := &cobra.Command{
		Use:   "add NAME [--htpasswd FILE] [--password-stdin]",
		Short: "Set a user's password (bcrypt), prompting for it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" {
				file = engine.RegistryDir(c.storeRoot()) + ".htpasswd"
			}
			pw, err := readNewPassword(stdin)
			if err != nil {
				return err
			}
			if err := engine.AddRegistryUser(file, args[0], pw); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "user %s set in %s\n", args[0], file)
			return nil
		},
	}
	add.Flags().StringVar(&file, "htpasswd", "", "The htpasswd file (default <root>/registry.htpasswd)")
	add.Flags().BoolVar(&stdin, "password-stdin", false, "Read the password from stdin")
	cmd.AddCommand(add)
	return cmd
}

// readNewPassword reads a password from stdin, or prompts for it twice on
// a terminal.
func readNewPassword(fromStdin bool) ([]byte, error) {
	if fromStdin {
		data, err := io.ReadAll(io.LimitReader(os.Stdin, 4096))
		return trimNewline(data), err
	}
	first, err := promptPassword("Password: ")
	if err != nil {
		return nil, err
	}
	again, err := promptPassword("Again: ")
	if err != nil {
		return nil, err
	}
	if string(first) != string(again) {
		return nil, fmt.Errorf("registry: the passwords differ")
	}
	return first, nil
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
	return engine.DefaultStore()
}
