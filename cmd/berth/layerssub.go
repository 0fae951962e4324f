package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

func init() {
	layersSubcommands = append(layersSubcommands, newLayersCatCmd, newLayersDiffCmd, newLayersExtractCmd, newLayersHistoryCmd)
}

// layersSubcommands are added under `berth layers`.
var layersSubcommands []func(*cli) *cobra.Command

func layerArg(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("layer %q: expected a number (0 = bottom): %w", s, errdefs.ErrInvalid)
	}
	return n, nil
}

// newLayersVerb makes a `berth layers` verb of nargs arguments that opens
// the store and calls run.
func newLayersVerb(c *cli, use, short string, nargs int, run func(e *engine.Engine, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return run(e, args)
		},
	}
}

// newLayerVerb is newLayersVerb for verbs whose arguments are IMAGE LAYER
// and more: run gets the layer's number.
func newLayerVerb(c *cli, use, short string, nargs int, run func(e *engine.Engine, layer int, args []string) error) *cobra.Command {
	return newLayersVerb(c, use, short, nargs, func(e *engine.Engine, args []string) error {
		n, err := layerArg(args[1])
		if err != nil {
			return err
		}
		return run(e, n, args)
	})
}

func newLayersCatCmd(c *cli) *cobra.Command {
	return newLayerVerb(c, "cat IMAGE LAYER PATH", "Print a file as it stands after a layer", 3,
		func(e *engine.Engine, n int, args []string) error {
			return e.LayerCat(args[0], n, args[2], os.Stdout)
		})
}

func newLayersDiffCmd(c *cli) *cobra.Command {
	var from, to int
	cmd := newLayersVerb(c, "diff IMAGE PATH --from I --to J", "Show how a file changed between two layers", 2,
		func(e *engine.Engine, args []string) error {
			d, err := e.LayerDiff(args[0], args[1], from, to)
			if err != nil {
				return err
			}
			switch {
			case !d.Binary:
				fmt.Print(d.Unified)
			case d.Old == nil || d.New == nil:
				fmt.Printf("%s: only in layer %d\n", d.Path, map[bool]int{true: d.To, false: d.From}[d.Old == nil])
			default:
				fmt.Printf("%s: %s, %s %s -> %s, %s %s\n", d.Path, "binary or large", humanSize(d.Old.Size), d.Old.Digest, humanSize(d.New.Size), d.New.Digest, map[bool]string{true: "(same)", false: "(differ)"}[d.Old.Digest == d.New.Digest])
			}
			return nil
		})
	cmd.Flags().IntVar(&from, "from", 0, "Older layer")
	cmd.Flags().IntVar(&to, "to", 0, "Newer layer")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("to")
	return cmd
}

func newLayersExtractCmd(c *cli) *cobra.Command {
	var path string
	cmd := newLayerVerb(c, "extract [--path PATH] IMAGE LAYER DEST", "Write a layer's files (or one file) to the host", 3,
		func(e *engine.Engine, n int, args []string) error {
			return e.LayerExtract(args[0], n, path, args[2])
		})
	cmd.Flags().StringVar(&path, "path", "", "Extract only this file, as it stands after the layer")
	return cmd
}

func newLayersHistoryCmd(c *cli) *cobra.Command {
	var asJSON bool
	cmd := newLayersVerb(c, "history IMAGE PATH", "Show what each layer did to one path", 2,
		func(e *engine.Engine, args []string) error {
			evs, err := e.PathHistory(args[0], args[1])
			if err != nil || asJSON {
				if err == nil {
					err = json.NewEncoder(os.Stdout).Encode(evs)
				}
				return err
			}
			for _, ev := range evs {
				fmt.Printf("layer %d  %s %s %s\n", ev.Layer, ev.Change.Letter(), entryLine(ev.Entry), ev.Entry.Digest)
			}
			return nil
		})
	cmd.Flags().BoolVar(&asJSON, "json", false, "Print JSON")
	return cmd
}
