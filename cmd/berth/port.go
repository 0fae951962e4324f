package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newPortCmd) }

func newPortCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "port CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List port mappings or a specific mapping for the container",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			ports, err := e.Ports(args[0])
			if err != nil {
				return err
			}
			want := ""
			if len(args) == 2 {
				want = args[1]
				if !strings.Contains(want, "/") {
					want += "/tcp"
				}
			}
			found := false
			for _, p := range ports {
				key := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
				ip := p.HostIP
				if ip == "" {
					ip = "0.0.0.0"
				}
				switch {
				case want == "":
					fmt.Printf("%s -> %s:%d\n", key, ip, p.HostPort)
				case want == key:
					fmt.Printf("%s:%d\n", ip, p.HostPort)
					found = true
				}
			}
			if want != "" && !found {
				return fmt.Errorf("no public port '%s' published for %s", want, args[0])
			}
			return nil
		},
	}
}
