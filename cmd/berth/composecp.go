package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// composeCp is `compose cp`: from one container of a service (--index,
// the first by default), or to every container of it (to one with
// --index), as docker compose copies.
func composeCp(cc *composeCLI) *cobra.Command {
	var opts engine.CopyOptions
	var index int
	cmd := &cobra.Command{Use: "cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n  berth compose cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH",
		Short: "Copy files/folders between a service container and the local filesystem", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, srcPath, srcIn := splitCpArg(args[0])
			to, dstPath, dstIn := splitCpArg(args[1])
			if srcIn == dstIn {
				return fmt.Errorf("name the service in exactly one of the paths (SERVICE:PATH): %w", errdefs.ErrInvalid)
			}
			service := map[bool]string{true: from, false: to}[srcIn]
			r, cs, err := cc.projectContainers(cmd.Context(), []string{service})
			if err != nil {
				return err
			}
			var picked []engine.ContainerSummary
			for _, c := range cs {
				if (index == 0 && !srcIn) || c.Labels[compose.LabelNumber] == fmt.Sprint(max(index, 1)) {
					picked = append(picked, c)
				}
			}
			if len(picked) == 0 {
				return fmt.Errorf("service %q has no container%s: %w", service, map[bool]string{true: fmt.Sprintf(" with index %d", index), false: ""}[index > 0], errdefs.ErrNotFound)
			}
			if srcIn {
				c := picked[0].ID
				if dstPath == "-" {
					return r.E.CopyFromContainerTar(c, srcPath, os.Stdout)
				}
				return r.E.CopyFromContainer(c, srcPath, dstPath, opts)
			}
			if srcPath == "-" && len(picked) > 1 {
				return fmt.Errorf("a tar stream from stdin goes to one container: give --index: %w", errdefs.ErrInvalid)
			}
			for _, c := range picked {
				if srcPath == "-" {
					err = r.E.CopyToContainerTar(c.ID, os.Stdin, dstPath)
				} else {
					err = r.E.CopyToContainer(c.ID, srcPath, dstPath, opts)
				}
				if err != nil {
					return fmt.Errorf("container %s: %w", compose.Name(c), err)
				}
			}
			return nil
		}}
	cmd.Flags().BoolVarP(&opts.Archive, "archive", "a", false, "Archive mode (copy all uid/gid information)")
	cmd.Flags().IntVar(&index, "index", 0, "Index of the container if service has multiple replicas")
	return cmd
}
