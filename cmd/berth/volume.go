package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newVolumeCmd) }

var volumesFormat = listFormat{
	Row:     volumeRow{},
	Table:   "table {{.Driver}}\t{{.Name}}",
	Headers: map[string]string{"Name": "VOLUME NAME"},
}

// volumeRow is what `volume ls` templates see.
type volumeRow struct{ v engine.VolumeSummary }

func (r volumeRow) Name() string             { return r.v.Name }
func (r volumeRow) Driver() string           { return r.v.Driver }
func (r volumeRow) Mountpoint() string       { return r.v.Mountpoint }
func (r volumeRow) Scope() string            { return r.v.Scope }
func (r volumeRow) CreatedAt() string        { return r.v.CreatedAt }
func (r volumeRow) Links() int               { return len(r.v.UsedBy) }
func (r volumeRow) Labels() string           { return joinLabels(r.v.Labels) }
func (r volumeRow) Label(name string) string { return r.v.Labels[name] }

// Size is docker's: "N/A" unless the daemon measured it (`system df -v`).
func (r volumeRow) Size() string { return "N/A" }

func newVolumeCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "volume", Short: "Manage volumes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	cmd.AddCommand(newVolumeCreateCmd(c), newVolumeLsCmd(c), newVolumeInspectCmd(c), newVolumeRmCmd(c), newVolumePruneCmd(c))
	return cmd
}

func newVolumeCreateCmd(c *cli) *cobra.Command {
	var o engine.VolumeCreateOptions
	var labels, opts []string
	cmd := &cobra.Command{
		Use: "create [OPTIONS] [VOLUME]", Short: "Create a volume", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				o.Name = args[0]
			}
			o.Labels = keyValues(labels)
			o.Options = volumeOptions(opts)
			v, err := e.CreateVolume(o)
			if err != nil {
				return err
			}
			fmt.Println(v.Name)
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Driver, "driver", "d", "local", "Specify volume driver name")
	cmd.Flags().StringArrayVar(&labels, "label", nil, "Set metadata for a volume")
	cmd.Flags().StringArrayVarP(&opts, "opt", "o", nil, "Set driver specific options (type=, device=, o=)")
	return cmd
}

// volumeOptions are -o KEY=VALUE pairs (docker's opts.MapOpts: a KEY
// alone is an empty value).
func volumeOptions(opts []string) map[string]string {
	if len(opts) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		m[k] = v
	}
	return m
}

func newVolumeLsCmd(c *cli) *cobra.Command {
	var quiet bool
	var format string
	var filters []string
	cmd := &cobra.Command{
		Use: "ls [OPTIONS]", Aliases: []string{"list"}, Short: "List volumes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			vols, err := e.ListVolumes()
			if err != nil {
				return err
			}
			var rows []any
			for _, v := range vols {
				keep, err := volumeMatches(v, filters)
				if err != nil {
					return err
				}
				if keep {
					rows = append(rows, volumeRow{v})
				}
			}
			if quiet {
				format = "{{.Name}}"
			}
			return volumesFormat.write(os.Stdout, format, rows)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only display volume names")
	cmd.Flags().StringVar(&format, "format", "", "Format output using a custom template")
	cmd.Flags().StringArrayVarP(&filters, "filter", "f", nil, "Provide filter values (dangling=true|false, name=, label=, driver=)")
	return cmd
}

// volumeMatches applies docker's volume ls filters.
func volumeMatches(v engine.VolumeSummary, filters []string) (bool, error) {
	for _, f := range filters {
		k, val, _ := strings.Cut(f, "=")
		switch k {
		case "dangling":
			if (val == "true" || val == "1") != (len(v.UsedBy) == 0) {
				return false, nil
			}
		case "name":
			if !strings.Contains(v.Name, val) {
				return false, nil
			}
		case "driver":
			if v.Driver != val {
				return false, nil
			}
		case "label":
			lk, lv, hasV := strings.Cut(val, "=")
			got, ok := v.Labels[lk]
			if !ok || hasV && got != lv {
				return false, nil
			}
		default:
			return false, fmt.Errorf("invalid filter %q", k)
		}
	}
	return true, nil
}

func newVolumeInspectCmd(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "inspect [OPTIONS] VOLUME [VOLUME...]", Short: "Display detailed information on one or more volumes",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return inspectEach(args, format, func(n string) (any, error) { return e.InspectVolume(n) })
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}

func newVolumeRmCmd(c *cli) *cobra.Command {
	var force bool
	cmd := simpleVerb(c, "rm [OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes",
		func(c *cli, name string) error { return c.eng.RemoveVolume(name, force) })
	cmd.Aliases = []string{"remove"}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not report an error for a volume that does not exist")
	return cmd
}

func newVolumePruneCmd(c *cli) *cobra.Command {
	var force, all bool
	cmd := &cobra.Command{
		Use: "prune [OPTIONS]", Short: "Remove unused local volumes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			what := "all anonymous local volumes not used by at least one container"
			if all {
				what = "all local volumes not used by at least one container"
			}
			if !confirmPrune(force, what) {
				return nil
			}
			names, freed, err := e.PruneVolumes(all)
			if err != nil {
				return err
			}
			if len(names) > 0 {
				fmt.Println("Deleted Volumes:")
				for _, n := range names {
					fmt.Println(n)
				}
				fmt.Println()
			}
			fmt.Printf("Total reclaimed space: %s\n", humanSize(freed))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Remove all unused volumes, not just anonymous ones")
	return cmd
}

// keyValues turns KEY=VALUE flags into a map (KEY alone: empty value).
func keyValues(kvs []string) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}
