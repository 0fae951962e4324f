package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/engine"
)

func init() { commands = append(commands, newEventsCmd) }

func newEventsCmd(c *cli) *cobra.Command {
	var since, until, format string
	var filters []string
	cmd := &cobra.Command{
		Use:   "events [OPTIONS]",
		Short: "Get real time events from the store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var f engine.EventFilter
			var err error
			if f.Since, err = parseSince(since); err != nil {
				return err
			}
			if f.Until, err = parseSince(until); err != nil {
				return err
			}
			if f.Match, err = eventFilter(filters); err != nil {
				return err
			}
			f.Follow = until == "" || f.Until.After(time.Now())
			e, err := c.engine()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			return e.Events(ctx, f, func(ev engine.Event) error {
				if format != "" {
					return printInspectLine(ev, format)
				}
				fmt.Println(eventLine(ev))
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&since, "since", "", "Show all events created since timestamp")
	fs.StringVar(&until, "until", "", "Stream events until this timestamp")
	fs.StringArrayVarP(&filters, "filter", "f", nil, "Filter output based on conditions provided (container=, event=, type=, image=)")
	fs.StringVar(&format, "format", "", "Format the output using the given Go template, or json")
	return cmd
}

// eventLine is docker's plain events format.
func eventLine(ev engine.Event) string {
	var attrs []string
	for k, v := range ev.Actor.Attributes {
		attrs = append(attrs, k+"="+v)
	}
	sort.Strings(attrs)
	return fmt.Sprintf("%s %s %s %s (%s)", ev.When().UTC().Format(rfc3339NanoFixed), ev.Type, ev.Action, ev.Actor.ID, strings.Join(attrs, ", "))
}

// printInspectLine runs format over the event itself, as docker runs it
// over its events.Message: {{.Time}} is the Unix second, {{.TimeNano}}
// the nanosecond, {{json .}} the event's JSON form ("time", "timeNano").
func printInspectLine(ev engine.Event, format string) error {
	if format == "json" {
		format = "{{json .}}"
	}
	tmpl, err := parseTemplate("events", format)
	if err != nil {
		return fmt.Errorf("invalid --format template: %v", err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, ev); err != nil {
		return fmt.Errorf("invalid --format template: %v", err)
	}
	fmt.Println(b.String())
	return nil
}

// eventFilter compiles docker's event filters: container, event, type, image.
func eventFilter(filters []string) (func(engine.Event) bool, error) {
	check := func(k, v string) error {
		switch k {
		case "container", "event", "type", "image":
			return nil
		}
		return fmt.Errorf("invalid filter %q", k)
	}
	return compileFilters(filters, check, func(k, v string, ev engine.Event) bool {
		switch k {
		case "container":
			return ev.Type == "container" && (strings.HasPrefix(ev.Actor.ID, v) || ev.Actor.Attributes["name"] == v)
		case "event":
			return ev.Action == v || strings.HasPrefix(ev.Action, v+":")
		case "type":
			return ev.Type == v
		case "image":
			return ev.Actor.Attributes["image"] == v
		}
		return false
	})
}
