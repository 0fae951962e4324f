package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newStopCmd, newRestartCmd) }

func newStopCmd(c *cli) *cobra.Command {
	var timeout int
	cmd := simpleVerb(c, "stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers",
		func(c *cli, ref string) error { return c.eng.Stop(context.Background(), ref, stopTimeout(timeout)) })
	cmd.Flags().IntVarP(&timeout, "time", "t", -1, "Seconds to wait before killing the container")
	return cmd
}

func newRestartCmd(c *cli) *cobra.Command {
	var timeout int
	cmd := simpleVerb(c, "restart [OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers",
		func(c *cli, ref string) error { return c.eng.Restart(context.Background(), ref, stopTimeout(timeout)) })
	cmd.Flags().IntVarP(&timeout, "time", "t", -1, "Seconds to wait before killing the container")
	return cmd
}

// stopTimeout: -1 (the default) means the container's own stop timeout.
func stopTimeout(seconds int) time.Duration {
	if seconds < 0 {
		return -1
	}
	return time.Duration(seconds) * time.Second
}
