package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newBuilderCmd) }

func newBuilderCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "builder", Short: "Manage builds"}
	var force, all bool
	var filters []string
	prune := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove build cache",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var o engine.BuildCachePruneOptions
			o.All = all
			for _, f := range filters {
				k, v, _ := strings.Cut(f, "=")
				if k != "until" {
					return fmt.Errorf("invalid filter %q: builder prune supports until=", f)
				}
				t, err := parseSince(v)
				if err != nil || v == "" {
					return fmt.Errorf("invalid filter %q: use until=DURATION (24h) or a timestamp", f)
				}
				o.Until = t
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			what := "all dangling build cache"
			if all {
				what = "all build cache"
			}
			if !confirmPrune(force, what) {
				return nil
			}
			rep, err := e.PruneBuildCache(cmd.Context(), o)
			if err != nil {
				return err
			}
			printBuildCachePruned(rep)
			fmt.Printf("Total reclaimed space: %s\n", humanSize(rep.Reclaimed))
			return nil
		},
	}
	prune.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	prune.Flags().BoolVarP(&all, "all", "a", false, "Remove all unused build cache, not just dangling ones")
	prune.Flags().StringArrayVar(&filters, "filter", nil, `Provide filter values (e.g. "until=24h")`)
	cmd.AddCommand(prune)
	return cmd
}

// printBuildCachePruned prints docker's "Deleted build cache objects:"
// section and its blank line, when anything was deleted.
func printBuildCachePruned(rep *engine.BuildCachePruneReport) {
	if len(rep.Deleted) == 0 {
		return
	}
	fmt.Println("Deleted build cache objects:")
	for _, id := range rep.Deleted {
		fmt.Println(strings.TrimPrefix(id, "sha256:"))
	}
	fmt.Println()
}
