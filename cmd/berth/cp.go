package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

func init() { commands = append(commands, newCpCmd) }

func newCpCmd(c *cli) *cobra.Command {
	var opts engine.CopyOptions
	cmd := &cobra.Command{
		Use:   "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n  berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
		Short: "Copy files/folders between a container and the local filesystem",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, srcPath, srcIn := splitCpArg(args[0])
			to, dstPath, dstIn := splitCpArg(args[1])
			if srcIn == dstIn {
				return fmt.Errorf("copying between containers, or on the host only, is not supported: name the container in exactly one of the paths (CONTAINER:PATH): %w", errdefs.ErrInvalid)
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			switch {
			case srcIn && dstPath == "-": // a tar stream on stdout
				return e.CopyFromContainerTar(from, srcPath, os.Stdout)
			case srcIn:
				return e.CopyFromContainer(from, srcPath, dstPath, opts)
			case srcPath == "-": // a tar stream from stdin, extracted into a directory
				return e.CopyToContainerTar(to, os.Stdin, dstPath)
			}
			return e.CopyToContainer(to, srcPath, dstPath, opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Archive, "archive", "a", false, "Archive mode (copy all uid/gid information)")
	return cmd
}

// splitCpArg splits CONTAINER:PATH; a path starting with / or . never
// names a container, as in docker.
func splitCpArg(s string) (container, path string, inContainer bool) {
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") {
		return "", s, false
	}
	c, p, ok := strings.Cut(s, ":")
	if !ok || c == "" {
		return "", s, false
	}
	return c, p, true
}
