package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/layers"
)

func init() { commands = append(commands, newSystemCmd) }

func newSystemCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "system", Short: "Manage berth"}
	var verbose bool
	var format string
	df := &cobra.Command{
		Use:   "df [OPTIONS]",
		Short: "Show berth disk usage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			du, err := e.DiskUsage()
			if err != nil {
				return err
			}
			if verbose && format == "" {
				writeDiskUsageVerbose(du)
				return nil
			}
			activeImg, activeC, sizeRw, reclaimRw := 0, 0, int64(0), int64(0)
			for _, i := range du.Images {
				if i.Containers > 0 {
					activeImg++
				}
			}
			for _, c := range du.Containers {
				sizeRw += c.SizeRw
				if c.State == "running" || c.State == "paused" {
					activeC++
				} else {
					reclaimRw += c.SizeRw
				}
			}
			var vol, volFree int64
			activeV := 0
			for _, v := range du.Volumes {
				vol += v.Size
				if v.Links > 0 {
					activeV++
				} else {
					volFree += v.Size
				}
			}
			rows := []any{
				dfRow{"Images", len(du.Images), activeImg, humanSize(du.LayersSize), percentOf(du.Reclaimable, du.LayersSize)},
				dfRow{"Containers", len(du.Containers), activeC, humanSize(sizeRw), percentOf(reclaimRw, sizeRw)},
				dfRow{"Local Volumes", len(du.Volumes), activeV, humanSize(vol), percentOf(volFree, vol)},
				dfRow{"Build Cache", du.BuildCacheCount, 0, humanSize(du.BuildCacheSize), humanSize(du.BuildCacheSize)},
			}
			return dfFormat.write(os.Stdout, format, rows)
		},
	}
	df.Flags().BoolVarP(&verbose, "verbose", "v", false, "Show detailed information on space usage")
	df.Flags().StringVar(&format, "format", "", "Format output using a custom template, or json")
	cmd.AddCommand(df, newSystemPruneCmd(c), newSystemCheckCmd(c))
	return cmd
}

// dfFormat is `system df`'s table, with docker's placeholders.
var dfFormat = listFormat{
	Row:     dfRow{},
	Table:   "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
	Headers: map[string]string{"TotalCount": "TOTAL"},
}

// dfRow is one line of `system df`; its methods are the --format placeholders.
type dfRow struct {
	typ               string
	total, active     int
	size, reclaimable string
}

func (r dfRow) Type() string        { return r.typ }
func (r dfRow) TotalCount() int     { return r.total }
func (r dfRow) Active() int         { return r.active }
func (r dfRow) Size() string        { return r.size }
func (r dfRow) Reclaimable() string { return r.reclaimable }

func percentOf(n, total int64) string {
	if total == 0 {
		return humanSize(n)
	}
	return fmt.Sprintf("%s (%d%%)", humanSize(n), n*100/total)
}

// writeDiskUsageVerbose is docker's `system df -v`.
func writeDiskUsageVerbose(du *engine.DiskUsage) {
	tw := tabwriter.NewWriter(os.Stdout, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "Images space usage:\n\nREPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tCONTAINERS")
	for _, i := range du.Images {
		tags := i.RepoTags
		if len(tags) == 0 {
			tags = []string{""}
		}
		for _, t := range tags {
			repo, tag := layers.SplitRef(t)
			if tag == "" {
				repo, tag = "<none>", "<none>"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", repo, tag, shortID(i.ID), timeAgo(i.Created),
				humanSize(i.Size), humanSize(i.SharedSize), humanSize(i.UniqueSize), i.Containers)
		}
	}
	fmt.Fprintln(tw, "\nContainers space usage:\n\nCONTAINER ID\tIMAGE\tCOMMAND\tLOCAL VOLUMES\tSIZE\tCREATED\tSTATUS\tNAMES")
	for _, c := range du.Containers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", c.ID[:12], c.Image, truncateText(`"`+c.Command+`"`, 20),
			c.LocalVolumes, humanSize(c.SizeRw), timeAgo(c.Created), c.Status, strings.Join(c.Names, ","))
	}
	fmt.Fprintln(tw, "\nLocal Volumes space usage:\n\nVOLUME NAME\tLINKS\tSIZE")
	for _, v := range du.Volumes {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", v.Name, v.Links, humanSize(v.Size))
	}
	fmt.Fprintf(tw, "\nBuild cache usage: %s\n", humanSize(du.BuildCacheSize))
	tw.Flush()
}
