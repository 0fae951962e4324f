package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTopCmd) }

func newTopCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "top CONTAINER",
		Short: "Display the running processes of a container (host PID and container PID)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			procs, err := e.Top(args[0])
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(os.Stdout, 4, 1, 4, ' ', 0)
			fmt.Fprintln(tw, "UID\tPID\tPPID\tCPID\tSTIME\tTTY\tTIME\tCMD")
			for _, p := range procs {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", p.User, p.PID, p.PPID, p.ContainerPID,
					stime(p.StartTime), p.TTY, cputime(p.CPUTime), p.Cmd)
			}
			return tw.Flush()
		},
	}
}

// stime is ps's STIME: the clock time today, else the date.
func stime(t time.Time) string {
	if time.Since(t) < 24*time.Hour {
		return t.Format("15:04")
	}
	return t.Format("Jan02")
}

// cputime is ps's TIME: [DD-]HH:MM:SS.
func cputime(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}
