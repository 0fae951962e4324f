package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newExecCmd) }

func newExecCmd(c *cli) *cobra.Command {
	var o engine.ExecOptions
	var interactive bool
	var env []string
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		Short: "Execute a command in a running container",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTTY(interactive, o.Tty); err != nil {
				return err
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			o.Cmd = args[1:]
			for _, kv := range env {
				o.Env = append(o.Env, expandEnv(kv)...)
			}
			o.Size = termSize()
			var streams engine.Streams
			restore := func() {}
			if !o.Detach {
				streams, restore = terminalStreams(interactive, o.Tty)
				if streams.DetachKeys, err = parseDetachKeys(detachKeys); err != nil {
					return err
				}
			}
			if o.Tty {
				streams.Stderr = nil // one terminal carries both
			}
			code, err := e.Exec(context.Background(), args[0], o, streams)
			restore()
			return containerExit(code, err)
		},
	}
	fs := cmd.Flags()
	fs.SetInterspersed(false)
	fs.BoolVarP(&interactive, "interactive", "i", false, "Keep STDIN open even if not attached")
	fs.BoolVarP(&o.Tty, "tty", "t", false, "Allocate a pseudo-TTY")
	fs.BoolVarP(&o.Detach, "detach", "d", false, "Detached mode: run command in the background")
	fs.StringArrayVarP(&env, "env", "e", nil, "Set environment variables")
	fs.StringVarP(&o.User, "user", "u", "", "Username or UID (format: \"<name|uid>[:<group|gid>]\")")
	fs.StringVarP(&o.WorkingDir, "workdir", "w", "", "Working directory inside the container")
	fs.BoolVar(&o.Privileged, "privileged", false, "Give extended privileges to the command")
	fs.StringVar(&detachKeys, "detach-keys", "", "Override the key sequence for detaching a container")
	return cmd
}
