package main

import (
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/compose"
)

// composePsFormat is docker compose ps's table.
var composePsFormat = listFormat{
	Row:     composePsRow{},
	Table:   "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}",
	Headers: map[string]string{"RunningFor": "CREATED", "LocalVolumes": "LOCAL VOLUMES"},
}

// composePsRow is one container as docker compose ps shows it: its
// fields are those of docker compose's container context, so that
// --format json prints the same keys (ID, Name, Image, Command, Project,
// Service, State, Health, ExitCode, Publishers, ...).
type composePsRow struct{ p psRow }

// composePublisher is docker compose's PortPublisher.
type composePublisher struct {
	URL           string
	TargetPort    int
	PublishedPort int
	Protocol      string
}

func (r composePsRow) ID() string               { return r.p.ID() }
func (r composePsRow) Name() string             { return compose.Name(r.p.s) }
func (r composePsRow) Names() string            { return r.p.Names() }
func (r composePsRow) Service() string          { return r.p.s.Labels[compose.LabelService] }
func (r composePsRow) Project() string          { return r.p.s.Labels[compose.LabelProject] }
func (r composePsRow) Image() string            { return r.p.Image() }
func (r composePsRow) Command() string          { return r.p.Command() }
func (r composePsRow) CreatedAt() string        { return r.p.CreatedAt() }
func (r composePsRow) RunningFor() string       { return r.p.RunningFor() }
func (r composePsRow) ExitCode() int            { return r.p.s.ExitCode }
func (r composePsRow) State() string            { return r.p.State() }
func (r composePsRow) Status() string           { return r.p.Status() }
func (r composePsRow) Health() string           { return r.p.s.Health }
func (r composePsRow) Ports() string            { return r.p.Ports() }
func (r composePsRow) Labels() string           { return r.p.Labels() }
func (r composePsRow) Label(name string) string { return r.p.Label(name) }
func (r composePsRow) Mounts() string           { return r.p.Mounts() }
func (r composePsRow) LocalVolumes() string     { return r.p.LocalVolumes() }
func (r composePsRow) Networks() string         { return r.p.Networks() }
func (r composePsRow) Size() string             { return r.p.Size() }

// Publishers are the published ports, sorted as docker compose sorts
// them (by target port, then address).
func (r composePsRow) Publishers() []composePublisher {
	out := []composePublisher{}
	for _, p := range r.p.s.Ports {
		out = append(out, composePublisher{URL: firstNonEmptyStr(p.HostIP, "0.0.0.0"), TargetPort: p.ContainerPort, PublishedPort: p.HostPort, Protocol: p.Protocol})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TargetPort != out[j].TargetPort {
			return out[i].TargetPort < out[j].TargetPort
		}
		return out[i].URL < out[j].URL
	})
	return out
}

func composePs(cc *composeCLI) *cobra.Command {
	var all, quiet, services, noTrunc bool
	var format string
	var status []string
	cmd := &cobra.Command{Use: "ps [OPTIONS] [SERVICE...]", Short: "List containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, s := range status {
				if !slices.Contains([]string{"paused", "restarting", "removing", "running", "dead", "created", "exited"}, s) {
					return fmt.Errorf("invalid filter: --status %q (paused, restarting, removing, running, dead, created, exited)", s)
				}
			}
			_, cs, err := cc.projectContainers(cmd.Context(), args)
			if err != nil {
				return err
			}
			var rows []any
			seen := map[string]bool{}
			for _, c := range cs {
				switch {
				case len(status) > 0:
					if !slices.Contains(status, c.State) {
						continue
					}
				case !all && c.State != "running" && c.State != "restarting" && c.State != "paused":
					continue
				}
				if services {
					if svc := c.Labels[compose.LabelService]; !seen[svc] {
						seen[svc] = true
						fmt.Println(svc)
					}
					continue
				}
				rows = append(rows, composePsRow{psRow{s: c, noTrunc: noTrunc || quiet}}) // -q: full IDs, as docker compose prints them
			}
			if services {
				return nil
			}
			if quiet {
				format = "{{.ID}}"
			}
			return composePsFormat.write(os.Stdout, format, rows)
		}}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Show all stopped containers")
	f.BoolVarP(&quiet, "quiet", "q", false, "Only display IDs")
	f.BoolVar(&services, "services", false, "Display services")
	f.BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	f.StringArrayVar(&status, "status", nil, "Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]")
	f.StringVar(&format, "format", "table", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
	return cmd
}
