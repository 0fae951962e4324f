package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/berthdev/berth/engine"
)

// writeLayerTable prints `berth layers IMAGE`: one row per history entry,
// then the efficiency and the largest wasted paths, as dive shows them.
func writeLayerTable(w io.Writer, a *engine.LayerAnalysis, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}
	tw := tabwriter.NewWriter(w, 4, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tDIGEST\tSIZE\tFILES\tADDED\tMODIFIED\tREMOVED\tCREATED BY")
	for _, l := range a.Layers {
		by := truncateText(strings.ReplaceAll(l.CreatedBy, "\t", " "), 60)
		if l.Empty {
			fmt.Fprintf(tw, "-\t<empty layer>\t0B\t\t\t\t\t%s\n", by)
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", l.Index, shortID(l.Digest), humanSize(l.Size),
			l.Files, l.Added, l.Modified, l.Removed, by)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeEfficiency(w, a.Efficiency, 10)
	return nil
}

// writeEfficiency prints the efficiency summary and up to n wasted paths
// (all of them for n < 0).
func writeEfficiency(w io.Writer, ef engine.Efficiency, n int) {
	fmt.Fprintf(w, "\nEfficiency: %.4f %%   Wasted: %s (%d bytes)   User wasted: %.4f %%\n",
		ef.Score*100, humanSize(ef.WastedBytes), ef.WastedBytes, ef.UserWastedPercent*100)
	if len(ef.Wasted) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 4, 1, 2, ' ', 0)
	fmt.Fprintln(tw, "COUNT\tWASTED\tPATH")
	for i, p := range ef.Wasted {
		if n >= 0 && i == n {
			fmt.Fprintf(tw, "...\t\t%d more (--json lists all)\n", len(ef.Wasted)-n)
			break
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", p.Count, humanSize(p.Bytes), p.Path)
	}
	tw.Flush()
}
