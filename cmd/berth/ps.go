package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newPsCmd) }

// psFormat is ps's default table and docker's column titles.
var psFormat = listFormat{
	Row:   psRow{},
	Table: "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
	Headers: map[string]string{
		"ID": "CONTAINER ID", "RunningFor": "CREATED", "CreatedAt": "CREATED AT",
		"LocalVolumes": "LOCAL VOLUMES", "HealthStatus": "HEALTH STATUS",
	},
}

func newPsCmd(c *cli) *cobra.Command {
	var all, quiet, noTrunc, latest, size bool
	var last int
	var filters []string
	var format string
	cmd := &cobra.Command{
		Use:     "ps [OPTIONS]",
		Aliases: []string{"list"},
		Short:   "List containers",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			match, err := psFilter(filters)
			if err != nil {
				return err
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			// Docker lists stopped containers for -a, -l, -n, and a
			// status filter (daemon/list.go sets All for it); any other
			// filter narrows the running ones.
			list, err := e.List(all || latest || last > 0 || hasFilter(filters, "status"))
			if err != nil {
				return err
			}
			// docker computes sizes for -s, and for a template that shows them.
			size = size || strings.Contains(format, ".Size") || format == "json"
			var rows []any
			for _, s := range list {
				if match(s) {
					row := psRow{s: s, noTrunc: noTrunc}
					if size {
						row.rw, row.rootfs, _ = e.ContainerSize(s.ID)
					}
					rows = append(rows, row)
				}
			}
			if latest && len(rows) > 1 {
				rows = rows[:1]
			}
			if last > 0 && len(rows) > last {
				rows = rows[:last]
			}
			switch {
			case quiet:
				format = "{{.ID}}"
			case size && (format == "" || format == "table"):
				format = psFormat.Table + "\t{{.Size}}"
			}
			return psFormat.write(os.Stdout, format, rows)
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&all, "all", "a", false, "Show all containers (default shows just running)")
	fs.BoolVarP(&quiet, "quiet", "q", false, "Only display container IDs")
	fs.BoolVarP(&size, "size", "s", false, "Display total file sizes")
	fs.BoolVar(&noTrunc, "no-trunc", false, "Don't truncate output")
	fs.BoolVarP(&latest, "latest", "l", false, "Show the latest created container (includes all states)")
	fs.IntVarP(&last, "last", "n", -1, "Show n last created containers (includes all states)")
	fs.StringArrayVarP(&filters, "filter", "f", nil, "Filter output based on conditions provided (status=, name=, id=, label=, exited=, ancestor=)")
	fs.StringVar(&format, "format", "", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
	return cmd
}

// psRow is what ps templates see, with docker's placeholder names.
type psRow struct {
	s          engine.ContainerSummary
	noTrunc    bool
	rw, rootfs int64 // ps -s: bytes written, and those with the image's
}

// MarshalJSON is {{json .}}: the row's fields, as docker's formatter
// marshals its contexts.
func (r psRow) MarshalJSON() ([]byte, error) { return json.Marshal(rowMap(r)) }

func (r psRow) ID() string {
	if r.noTrunc {
		return r.s.ID
	}
	return r.s.ID[:12]
}

// Image is the name the container was created from, or its image's ID
// when the name is gone (12 digits unless --no-trunc), as docker's.
func (r psRow) Image() string {
	if strings.HasPrefix(r.s.Image, "sha256:") && !r.noTrunc {
		return shortID(r.s.Image)
	}
	return r.s.Image
}
func (r psRow) Command() string {
	if r.noTrunc {
		return strconv.Quote(r.s.Command)
	}
	return strconv.Quote(truncateText(r.s.Command, 20))
}
func (r psRow) CreatedAt() string  { return timestamp(r.s.Created) }
func (r psRow) RunningFor() string { return timeAgo(r.s.Created) }
func (r psRow) Ports() string      { return formatPorts(r.s.Ports) }
func (r psRow) State() string      { return r.s.State }
func (r psRow) Status() string     { return r.s.Status }

// RestartCount is berth's addition to docker's ps fields.
func (r psRow) RestartCount() int { return r.s.RestartCount }
func (r psRow) Names() string     { return strings.Join(r.s.Names, ",") }
func (r psRow) Networks() string  { return strings.Join(r.s.Networks, ",") }

// Mounts are volume names or sources, each cut to 15 characters unless
// --no-trunc (docker's Ellipsis).
func (r psRow) Mounts() string {
	var out []string
	for _, m := range r.s.Mounts {
		if !r.noTrunc {
			m = truncateText(m, 15)
		}
		out = append(out, m)
	}
	return strings.Join(out, ",")
}

// LocalVolumes counts its volumes (all of berth's are the local driver's).
func (r psRow) LocalVolumes() string {
	n := 0
	for _, m := range r.s.Mounts {
		if !strings.HasPrefix(m, "/") {
			n++
		}
	}
	return strconv.Itoa(n)
}

// Size is docker's SIZE: "2B (virtual 4.26MB)".
func (r psRow) Size() string {
	srw := units.HumanSizeWithPrecision(float64(r.rw), 3)
	if r.rootfs > 0 {
		return fmt.Sprintf("%s (virtual %s)", srw, units.HumanSizeWithPrecision(float64(r.rootfs), 3))
	}
	return srw
}
func (r psRow) HealthStatus() string { return r.s.Health }

// Platform is docker's (from the image's manifest descriptor): "linux/amd64"
// in a template, {"architecture":"amd64","os":"linux"} in JSON. berth runs
// images of the host's platform only.
func (r psRow) Platform() *platform {
	return &platform{ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH}}
}

// platform is docker/cli's formatter.Platform: an OCI platform that
// prints as os/arch[/variant].
type platform struct{ ocispec.Platform }

func (p platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// Labels are k=v pairs, sorted (docker sorts them).
func (r psRow) Labels() string           { return joinLabels(r.s.Labels) }
func (r psRow) Label(name string) string { return r.s.Labels[name] }

// psFilter compiles docker's --filter conditions; the same key given twice
// means either, different keys must all hold.
func psFilter(filters []string) (func(engine.ContainerSummary) bool, error) {
	check := func(k, v string) error {
		switch k {
		case "status":
			switch v {
			case "created", "restarting", "running", "removing", "paused", "exited", "dead":
				return nil
			}
			return fmt.Errorf("invalid filter 'status=%s': one of created, restarting, running, removing, paused, exited, dead", v)
		case "name", "id", "label", "exited", "ancestor":
			return nil
		case "health":
			return engine.ParseHealthStatus(v)
		}
		return fmt.Errorf("invalid filter %q", k)
	}
	return compileFilters(filters, check, func(k, v string, s engine.ContainerSummary) bool {
		switch k {
		case "status":
			return s.State == v
		case "name":
			return strings.Contains(strings.Join(s.Names, ","), strings.TrimPrefix(v, "/"))
		case "id":
			return strings.HasPrefix(s.ID, v)
		case "label":
			lk, lv, hasV := strings.Cut(v, "=")
			got, ok := s.Labels[lk]
			return ok && (!hasV || got == lv)
		case "exited":
			return s.State == "exited" && strconv.Itoa(s.ExitCode) == v
		case "health":
			return s.Health == v || (v == "none" && s.Health == "")
		case "ancestor":
			return s.Image == v || strings.HasPrefix(strings.TrimPrefix(s.ImageID, "sha256:"), strings.TrimPrefix(v, "sha256:"))
		}
		return false
	})
}

// hasFilter reports whether a --filter names key.
func hasFilter(filters []string, key string) bool {
	for _, f := range filters {
		if k, _, _ := strings.Cut(f, "="); k == key {
			return true
		}
	}
	return false
}

// formatPorts is docker's PORTS column: "0.0.0.0:8080->80/tcp, ...".
func formatPorts(ports []engine.PortMapping) string {
	var out []string
	for _, p := range ports {
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		out = append(out, fmt.Sprintf("%s:%d->%d/%s", ip, p.HostPort, p.ContainerPort, p.Protocol))
	}
	return strings.Join(out, ", ")
}
