package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/kube"
)

func (c *cli) kubeGenerateCmd() *cobra.Command {
	var o kube.GenerateOptions
	var out string
	cmd := &cobra.Command{
		Use:   "generate CONTAINER...|--compose-project P",
		Short: "Kubernetes YAML for containers, or for a compose project's services",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Containers = args
			e, err := c.engine()
			if err != nil {
				return err
			}
			y, warnings, err := kube.Generate(e, o)
			for _, w := range warnings {
				cmd.PrintErrln("berth: kube: warning: " + w)
			}
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = os.Stdout.Write(y)
				return err
			}
			return atomicfile.WriteFile(out, y, 0o644)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ComposeProject, "compose-project", "", "a compose project's services, one pod (or deployment) each")
	f.BoolVarP(&o.Service, "service", "s", false, "add a Service for the published ports")
	f.StringVar(&o.Type, "type", "pod", "pod or deployment")
	f.StringVarP(&out, "filename", "f", "", "write the YAML to this file (default standard output)")
	return cmd
}
