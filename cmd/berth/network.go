package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newNetworkCmd) }

var networksFormat = listFormat{
	Row:     networkRow{},
	Table:   "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
	Headers: map[string]string{"ID": "NETWORK ID", "CreatedAt": "CREATED AT"},
}

// networkRow is what `network ls` templates see.
type networkRow struct {
	n       engine.NetworkSummary
	noTrunc bool
}

func (r networkRow) ID() string {
	if r.noTrunc {
		return r.n.ID
	}
	return r.n.ID[:12]
}
func (r networkRow) Name() string    { return r.n.Name }
func (r networkRow) Driver() string  { return r.n.Driver }
func (r networkRow) Scope() string   { return r.n.Scope }
func (r networkRow) Subnet() string  { return r.n.Subnet() }
func (r networkRow) Gateway() string { return r.n.Gateway() }
func (r networkRow) Bridge() string  { return r.n.Bridge() }
func (r networkRow) Internal() bool  { return r.n.Internal }

// IPv4 and IPv6 are docker 28's columns: berth's networks are IPv4 only.
func (r networkRow) IPv4() string { return "true" }
func (r networkRow) IPv6() string { return "false" }

// Labels are k=v pairs, sorted; Label is one label's value (docker's).
func (r networkRow) Labels() string           { return joinLabels(r.n.Labels) }
func (r networkRow) Label(name string) string { return r.n.Labels[name] }
func (r networkRow) CreatedAt() string        { return timestamp(r.n.Created) }
func (r networkRow) Containers() int          { return len(r.n.Containers) }

// builtinNetwork says whether name is one of docker's three predefined
// networks: bridge, host, none.
func builtinNetwork(name string) bool { return name == "bridge" || name == "host" || name == "none" }

func newNetworkCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{Use: "network", Short: "Manage networks", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	cmd.AddCommand(newNetworkCreateCmd(c), newNetworkLsCmd(c), newNetworkInspectCmd(c), newNetworkRmCmd(c),
		newNetworkPruneCmd(c), newNetworkConnectCmd(c), newNetworkDisconnectCmd(c))
	return cmd
}

func newNetworkCreateCmd(c *cli) *cobra.Command {
	var o engine.NetworkCreateOptions
	var labels []string
	cmd := &cobra.Command{
		Use: "create [OPTIONS] NETWORK", Short: "Create a network", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			o.Name, o.Labels = args[0], keyValues(labels)
			n, err := e.CreateNetwork(o)
			if err != nil {
				return err
			}
			fmt.Println(n.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Driver, "driver", "d", "bridge", "Driver to manage the Network")
	f.StringVar(&o.Subnet, "subnet", "", "Subnet in CIDR format that represents a network segment")
	f.StringVar(&o.Gateway, "gateway", "", "IPv4 Gateway for the master subnet")
	f.BoolVar(&o.Internal, "internal", false, "Restrict external access to the network (berth networks never reach outside)")
	f.StringArrayVar(&labels, "label", nil, "Set metadata on a network")
	return cmd
}

func newNetworkLsCmd(c *cli) *cobra.Command {
	var quiet, noTrunc bool
	var format string
	var filters []string
	cmd := &cobra.Command{
		Use: "ls [OPTIONS]", Aliases: []string{"list"}, Short: "List networks", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			nets, err := e.Networks()
			if err != nil {
				return err
			}
			var rows []any
			for _, n := range nets {
				keep := true
				for _, f := range filters {
					k, v, _ := strings.Cut(f, "=")
					switch k {
					case "name":
						keep = keep && strings.Contains(n.Name, v)
					case "id":
						keep = keep && strings.HasPrefix(n.ID, v)
					case "driver":
						keep = keep && n.Driver == v
					case "dangling":
						keep = keep && (v == "true") == (len(n.Containers) == 0 && !builtinNetwork(n.Name))
					case "type":
						if v != "builtin" && v != "custom" {
							return fmt.Errorf("invalid filter: 'type'='%s'", v)
						}
						keep = keep && (v == "builtin") == builtinNetwork(n.Name)
					default:
						return fmt.Errorf("invalid filter %q", k)
					}
				}
				if keep {
					rows = append(rows, networkRow{n, noTrunc})
				}
			}
			if quiet {
				format = "{{.ID}}"
			}
			return networksFormat.write(os.Stdout, format, rows)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only display network IDs")
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "Do not truncate the output")
	cmd.Flags().StringVar(&format, "format", "", "Format output using a custom template")
	cmd.Flags().StringArrayVarP(&filters, "filter", "f", nil, "Provide filter values (name=, id=, driver=, type=, dangling=)")
	return cmd
}

func newNetworkInspectCmd(c *cli) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "inspect [OPTIONS] NETWORK [NETWORK...]", Short: "Display detailed information on one or more networks",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return inspectEach(args, format, func(n string) (any, error) { return e.InspectNetwork(n) })
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	return cmd
}

func newNetworkRmCmd(c *cli) *cobra.Command {
	cmd := simpleVerb(c, "rm NETWORK [NETWORK...]", "Remove one or more networks",
		func(c *cli, ref string) error { return c.eng.RemoveNetwork(ref) })
	cmd.Aliases = []string{"remove"}
	return cmd
}

func newNetworkPruneCmd(c *cli) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use: "prune [OPTIONS]", Short: "Remove all unused networks", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			if !confirmPrune(force, "all custom networks not used by at least one container") {
				return nil
			}
			gone, err := e.PruneNetworks()
			if len(gone) > 0 {
				fmt.Println("Deleted Networks:")
				for _, n := range gone {
					fmt.Println(n)
				}
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

func newNetworkConnectCmd(c *cli) *cobra.Command {
	var aliases []string
	cmd := &cobra.Command{
		Use: "connect [OPTIONS] NETWORK CONTAINER", Short: "Connect a container to a network", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return e.Connect(context.Background(), args[0], args[1], aliases)
		},
	}
	cmd.Flags().StringArrayVar(&aliases, "alias", nil, "Add network-scoped alias for the container")
	return cmd
}

func newNetworkDisconnectCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use: "disconnect NETWORK CONTAINER", Short: "Disconnect a container from a network", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			return e.Disconnect(context.Background(), args[0], args[1])
		},
	}
}
