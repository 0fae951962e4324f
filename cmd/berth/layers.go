package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

func init() { commands = append(commands, newLayersCmd) }

func newLayersCmd(c *cli) *cobra.Command {
	var layer int
	var aggregate, asJSON, ci bool
	var rng string
	var rules ciFlags
	cmd := &cobra.Command{
		Use:   "layers [OPTIONS] IMAGE",
		Short: "Show an image's layers, the files each changes, and its wasted space",
		Long: "Without options: the layer table (one row per history entry) and the efficiency.\n" +
			"--layer N: the files layer N changes (A added, C modified, D removed); with --aggregate,\n" +
			"the whole tree as it stands after layer N (after the top layer without --layer).\n" +
			"--range I..J: layers I to J as one change set. Layers count from 0 at the bottom.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			ref, set := args[0], cmd.Flags().Changed("layer")
			switch {
			case rng != "":
				from, to, err := parseRange(rng)
				if err != nil {
					return err
				}
				entries, err := e.LayerChanges(ref, from, to, true)
				if err != nil {
					return err
				}
				return writeTree(os.Stdout, entries, asJSON)
			case aggregate:
				if !set {
					layer = -1
				}
				entries, err := e.LayerTree(ref, layer, true)
				if err != nil {
					return err
				}
				return writeTree(os.Stdout, entries, asJSON)
			case set:
				entries, err := e.LayerChanges(ref, layer, layer, true)
				if err != nil {
					return err
				}
				return writeTree(os.Stdout, entries, asJSON)
			}
			// Collect garbage sooner: the analysis holds every path of
			// the image, and its peak memory is what CI machines feel.
			debug.SetGCPercent(40)
			a, err := e.ImageLayers(ref, engine.AnalyzeOptions{})
			if err != nil {
				return err
			}
			if ci {
				return runCI(cmd, a, rules, asJSON)
			}
			return writeLayerTable(os.Stdout, a, asJSON)
		},
	}
	f := cmd.Flags()
	f.IntVar(&layer, "layer", 0, "Show the files layer N changes (0 = bottom)")
	f.BoolVar(&aggregate, "aggregate", false, "Show the whole file tree up to --layer (default: the top)")
	f.StringVar(&rng, "range", "", "Show layers I..J as one change set")
	f.BoolVar(&asJSON, "json", false, "Print JSON")
	f.BoolVar(&ci, "ci", false, "Check the efficiency rules (and .dive-ci); exit 1 if one fails")
	rules.register(cmd)
	for _, mk := range layersSubcommands {
		cmd.AddCommand(mk(c))
	}
	return cmd
}

// parseRange reads "I..J".
func parseRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "..")
	i, err1 := strconv.Atoi(a)
	j, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("range %q: expected I..J, as in 1..3: %w", s, errdefs.ErrInvalid)
	}
	return i, j, nil
}
