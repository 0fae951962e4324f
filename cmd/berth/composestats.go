package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// composeStats is `compose stats`: docker stats of the project's
// containers (running ones, all with -a), the services named or all.
func composeStats(cc *composeCLI) *cobra.Command {
	var noStream, all bool
	var format string
	cmd := &cobra.Command{Use: "stats [OPTIONS] [SERVICE]", Short: "Display a live stream of container(s) resource usage statistics",
		RunE: func(cmd *cobra.Command, args []string) error {
			r, cs, err := cc.projectContainers(cmd.Context(), args)
			if err != nil {
				return err
			}
			interval := time.Second
			if noStream {
				interval = 500 * time.Millisecond
			}
			smp := r.E.NewSampler(interval, 2)
			defer smp.Close()
			var ids, refs []string
			for _, c := range cs {
				if !all && c.State != "running" {
					continue
				}
				if id, _, err := smp.Watch(c.ID); err == nil {
					ids, refs = append(ids, id), append(refs, "")
				}
			}
			clear := !noStream && term.IsTerminal(int(os.Stdout.Fd()))
			for {
				select { // a round of samples; none come while nothing is watched
				case <-smp.C():
				case <-time.After(2 * interval):
				case <-cmd.Context().Done():
					return nil
				}
				if clear {
					fmt.Print("\033[2J\033[H")
				}
				if err := statsFormat.write(os.Stdout, format, statsRows(smp, ids, refs)); err != nil || noStream {
					return err
				}
			}
		}}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Show all containers (default shows just running)")
	f.BoolVar(&noStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	f.StringVar(&format, "format", "", "Format output using a custom template, or json")
	return cmd
}
