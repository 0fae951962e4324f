package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newLogsCmd) }

func newLogsCmd(c *cli) *cobra.Command {
	var o engine.LogOptions
	var tail, since, until string
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] CONTAINER",
		Short: "Fetch the logs of a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Tail, err = parseTail(tail); err != nil {
				return err
			}
			if o.Since, err = parseSince(since); err != nil {
				return err
			}
			if o.Until, err = parseSince(until); err != nil {
				return err
			}
			e, err := c.engine()
			if err != nil {
				return err
			}
			return e.Logs(context.Background(), args[0], o, func(le engine.LogEntry) error {
				var w io.Writer = os.Stdout
				if le.Stream == "stderr" {
					w = os.Stderr
				}
				if o.Timestamps {
					fmt.Fprint(w, le.Time.UTC().Format(rfc3339NanoFixed)+" ")
				}
				_, err := io.WriteString(w, le.Log)
				return err
			})
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&o.Follow, "follow", "f", false, "Follow log output")
	fs.BoolVarP(&o.Timestamps, "timestamps", "t", false, "Show timestamps")
	fs.StringVarP(&tail, "tail", "n", "all", "Number of lines to show from the end of the logs")
	fs.StringVar(&since, "since", "", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
	fs.StringVar(&until, "until", "", "Show logs before a timestamp or relative time")
	return cmd
}

// rfc3339NanoFixed is docker's log timestamp layout, always nine fraction
// digits (jsonmessage.RFC3339NanoFixed in github.com/docker/docker, a module
// berth does not otherwise need), printed in UTC as the daemon does; both
// `logs -t` and `compose logs -t` use it.
const rfc3339NanoFixed = "2006-01-02T15:04:05.000000000Z07:00"

func parseTail(s string) (int, error) {
	if s == "all" || s == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid value %q for --tail: a number of lines or \"all\"", s)
	}
	return n, nil
}

// parseSince reads docker's --since/--until: RFC 3339 times, dates, Unix
// seconds, or a duration ago (10m, 1h30m).
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(f*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q: use RFC 3339 (2006-01-02T15:04:05Z), Unix seconds, or a duration like 10m", s)
}
