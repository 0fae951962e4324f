package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newDebugCmd) }

func newDebugCmd(c *cli) *cobra.Command {
	var o engine.DebugOptions
	var report, asJSON bool
	var lines int
	cmd := &cobra.Command{
		Use:   "debug [OPTIONS] CONTAINER",
		Short: "Open a shell in a copy of an exited container, or print its crash report",
		Long: "On an exited container, commit its file system to a debug image and run a shell in a new\n" +
			"container with the same configuration; both are removed when the shell exits unless --keep.\n" +
			"With --report, print how the container ended instead.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			ctx := context.Background()
			if report {
				rep, err := e.CrashReport(ctx, args[0], lines)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(os.Stdout)
					enc.SetIndent("", "    ")
					return enc.Encode(rep)
				}
				return rep.WriteText(os.Stdout)
			}
			o.Tty = term.IsTerminal(int(os.Stdin.Fd()))
			streams, restore := terminalStreams(true, o.Tty)
			sess, code, err := e.Debug(ctx, args[0], o, streams)
			restore()
			if err == nil && o.Keep {
				fmt.Fprintf(os.Stderr, "kept debug container %s", sess.Container)
				if sess.Image != "" {
					fmt.Fprintf(os.Stderr, " and image %s", shortID(sess.Image))
				}
				fmt.Fprintln(os.Stderr)
			}
			return containerExit(code, err)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&report, "report", false, "Print the crash report: exit code and its meaning, OOM kill, memory, last logs, file changes")
	f.BoolVar(&asJSON, "json", false, "Print the --report as JSON")
	f.IntVarP(&lines, "lines", "n", 10, "Log lines in the --report")
	f.BoolVar(&o.Keep, "keep", false, "Keep the debug container and image when the shell exits")
	f.StringVar(&o.Image, "image", "", "Toolbox image of the sidecar for a running container (default busybox)")
	f.StringVar(&o.Shell, "shell", "", "Shell to run (default: the first of /bin/sh, /bin/bash, /bin/ash, /busybox/sh found)")
	return cmd
}
