package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

// newContainerPruneCmd is `container prune`: every stopped container.
func newContainerPruneCmd(c *cli) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "prune [OPTIONS]", Short: "Remove all stopped containers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			if !confirmPrune(force, "all stopped containers") {
				return nil
			}
			rep, err := e.PruneContainers(cmd.Context())
			printPruned(rep)
			fmt.Printf("Total reclaimed space: %s\n", humanSize(rep.Reclaimed))
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

// newImagePruneCmd is `image prune [-a]`: dangling images, or every image
// no container uses.
func newImagePruneCmd(c *cli) *cobra.Command {
	var force, all bool
	cmd := &cobra.Command{
		Use: "prune [OPTIONS]", Short: "Remove unused images", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			what := "all dangling images"
			if all {
				what = "all images without at least one container associated to them"
			}
			if !confirmPrune(force, what) {
				return nil
			}
			rep, err := e.PruneImages(all)
			printPruned(rep)
			fmt.Printf("Total reclaimed space: %s\n", humanSize(rep.Reclaimed))
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Remove all unused images, not just dangling ones")
	return cmd
}

// newSystemPruneCmd is `system prune [-a] [--volumes]`: stopped containers,
// unused networks, dangling (with -a: unused) images and the build cache,
// and with --volumes the unused anonymous volumes, in docker's order.
func newSystemPruneCmd(c *cli) *cobra.Command {
	var force, all, volumes bool
	cmd := &cobra.Command{
		Use: "prune [OPTIONS]", Short: "Remove unused data", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			what := []string{"all stopped containers", "all networks not used by at least one container"}
			if volumes {
				what = append(what, "all anonymous volumes not used by at least one container")
			}
			if all {
				what = append(what, "all images without at least one container associated to them", "all build cache")
			} else {
				what = append(what, "all dangling images", "unused build cache")
			}
			if !confirmPruneList(force, what...) {
				return nil
			}
			rep, err := e.PruneContainers(cmd.Context())
			if err != nil {
				return err
			}
			printPruned(rep)
			total := rep.Reclaimed
			nets, err := e.PruneNetworks()
			if err != nil {
				return err
			}
			printList("Deleted Networks:", nets)
			if volumes {
				vols, freed, err := e.PruneVolumes(false)
				if err != nil {
					return err
				}
				printList("Deleted Volumes:", vols)
				total += freed
			}
			if rep, err = e.PruneImages(all); err != nil {
				return err
			}
			printPruned(rep)
			total += rep.Reclaimed
			cache, err := e.PruneBuildCache(cmd.Context(), engine.BuildCachePruneOptions{All: all})
			if err != nil {
				return err
			}
			printBuildCachePruned(cache)
			total += cache.Reclaimed
			fmt.Printf("Total reclaimed space: %s\n", humanSize(total))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Remove all unused images not just dangling ones")
	cmd.Flags().BoolVar(&volumes, "volumes", false, "Prune anonymous volumes")
	return cmd
}

// printPruned prints docker's "Deleted Containers:" and "Deleted Images:"
// sections, each followed by a blank line, for what rep holds.
func printPruned(rep *engine.PruneReport) {
	if rep == nil {
		return
	}
	printList("Deleted Containers:", rep.Containers)
	var lines []string
	for _, rm := range rep.Images {
		for _, n := range rm.Untagged {
			lines = append(lines, "untagged: "+n)
		}
		for _, id := range rm.Deleted {
			lines = append(lines, "deleted: "+id)
		}
	}
	printList("Deleted Images:", lines)
}

func printList(title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(os.Stdout, title)
	for _, l := range lines {
		fmt.Fprintln(os.Stdout, l)
	}
	fmt.Fprintln(os.Stdout)
}
