package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newStatsCmd) }

func newStatsCmd(c *cli) *cobra.Command {
	var noStream, extended bool
	var format, serve string
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [CONTAINER...]",
		Short: "Display a live stream of container resource usage (or serve it to Prometheus)",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			if serve != "" {
				return serveMetrics(e, serve)
			}
			if extended && format == "" {
				format = statsExtended
			}
			interval := time.Second
			if noStream {
				interval = 500 * time.Millisecond
			}
			smp := e.NewSampler(interval, 2)
			defer smp.Close()
			var ids, refs []string
			watch := func(ref, shown string) error {
				id, _, err := smp.Watch(ref)
				if err == nil {
					ids, refs = append(ids, id), append(refs, shown)
				}
				return err
			}
			for _, a := range args {
				if err := watch(a, a); err != nil {
					return err
				}
			}
			clear := !noStream && term.IsTerminal(int(os.Stdout.Fd()))
			for {
				if len(args) == 0 { // all running containers, new ones too
					list, err := e.List(false)
					if err != nil {
						return err
					}
					for _, cs := range list {
						if !slices.Contains(ids, cs.ID) {
							watch(cs.ID, "")
						}
					}
				}
				select { // a round of samples; none come while nothing is watched
				case <-smp.C():
				case <-time.After(2 * interval):
				}
				if clear {
					fmt.Print("\033[2J\033[H")
				}
				if err := statsFormat.write(os.Stdout, format, statsRows(smp, ids, refs)); err != nil || noStream {
					return err
				}
			}
		},
	}
	cmd.Flags().BoolVar(&noStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	cmd.Flags().StringVar(&format, "format", "", "Format output using a custom template, or json")
	cmd.Flags().BoolVar(&extended, "extended", false, "Add berth's columns: host CPU %, anonymous/cache memory, throttling and OOM kills")
	cmd.Flags().StringVar(&serve, "serve", "", "Serve the figures for Prometheus at http://ADDR/metrics")
	return cmd
}

// serveMetrics listens on addr only and serves /metrics until killed. The
// first line of output is the address actually bound (addr may end in :0).
func serveMetrics(e *engine.Engine, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("serving metrics on http://%s/metrics\n", ln.Addr())
	mux := http.NewServeMux()
	mux.Handle("/metrics", e.MetricsHandler())
	return http.Serve(ln, mux)
}
