package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/kube"
)

func (c *cli) kubePlayCmd() *cobra.Command {
	var o kube.PlayOptions
	var downFlag bool
	cmd := &cobra.Command{
		Use:   "play FILE|-",
		Short: "Run a manifest's pods, deployments, services, claims, configmaps and secrets",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = os.Stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			m, err := kube.Decode(r)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			o.Progress = cmd.OutOrStdout()
			if downFlag {
				return kube.Down(cmd.Context(), e, m, o)
			}
			warnings, err := kube.Play(cmd.Context(), e, m, o)
			for _, w := range warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "berth: kube: warning: "+w)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&downFlag, "down", false, "remove the manifest's pods and the volumes play made for them (claims' volumes stay)")
	f.BoolVar(&o.Replace, "replace", false, "remove the manifest's pods first, if they exist")
	f.StringVar(&o.Pull, "pull", "", "always, missing or never (default: each container's imagePullPolicy)")
	f.StringVar(&o.ServiceAddress, "service-address", "", "host address Services publish their ports on (default all)")
	f.StringVar(&o.InfraImage, "infra-image", "", "image of the pods' infra containers, which must have sleep (default busybox, made from the host's when missing)")
	return cmd
}
