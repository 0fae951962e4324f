package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newSystemCmd) }

func newSystemCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "system", Short: "Manage berth"}
	var verbose bool
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
			if verbose {
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
			tw := tabwriter.NewWriter(os.Stdout, 10, 1, 3, ' ', 0)
			fmt.Fprintln(tw, "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE")
			fmt.Fprintf(tw, "Images\t%d\t%d\t%s\t%s\n", len(du.Images), activeImg, humanSize(du.LayersSize), percentOf(du.Reclaimable, du.LayersSize))
			fmt.Fprintf(tw, "Containers\t%d\t%d\t%s\t%s\n", len(du.Containers), activeC, humanSize(sizeRw), percentOf(reclaimRw, sizeRw))
			fmt.Fprintf(tw, "Local Volumes\t%d\t%d\t%s\t%s\n", len(du.Volumes), activeV, humanSize(vol), percentOf(volFree, vol))
			fmt.Fprintf(tw, "Build Cache\t%d\t0\t%s\t%s\n", du.BuildCacheCount, humanSize(du.BuildCacheSize), humanSize(du.BuildCacheSize))
			return tw.Flush()
		},
	}
	df.Flags().BoolVarP(&verbose, "verbose", "v", false, "Show detailed information on space usage")
	cmd.AddCommand(df, newSystemCheckCmd(c))
	return cmd
}

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
			tags = []string{"<none>:<none>"}
		}
		for _, t := range tags {
			repo, tag, _ := strings.Cut(t, ":")
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
