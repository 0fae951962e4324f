package main

import (
	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newKillCmd) }

func newKillCmd(c *cli) *cobra.Command {
	var signal string
	cmd := simpleVerb(c, "kill [OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers",
		func(c *cli, ref string) error {
			sig, err := engine.ParseSignal(signal)
			if err != nil {
				return err
			}
			return c.eng.Kill(ref, sig)
		})
	cmd.Flags().StringVarP(&signal, "signal", "s", "KILL", "Signal to send to the container")
	return cmd
}
