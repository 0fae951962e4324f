package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
)

// composeEvents is `compose events`: the project's container events as
// they happen, as docker compose prints them (its own labels left out of
// the attributes), or one JSON object a line with --json.
func composeEvents(cc *composeCLI) *cobra.Command {
	var asJSON bool
	var since, until string
	cmd := &cobra.Command{Use: "events [OPTIONS] [SERVICE...]", Short: "Receive real time events from containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := cc.project(cmd.Context())
			if err != nil {
				return err
			}
			for _, s := range args {
				if _, err := r.P.GetService(s); err != nil {
					return err
				}
			}
			f := engine.EventFilter{Follow: true, Match: func(ev engine.Event) bool {
				a := ev.Actor.Attributes
				return ev.Type == "container" && a[compose.LabelProject] == r.P.Name && (len(args) == 0 || slices.Contains(args, a[compose.LabelService]))
			}}
			if f.Since, err = parseSince(since); err != nil {
				return err
			}
			if f.Until, err = parseSince(until); err != nil {
				return err
			}
			return r.E.Events(cmd.Context(), f, func(ev engine.Event) error {
				attrs := map[string]string{}
				for k, v := range ev.Actor.Attributes {
					if !strings.HasPrefix(k, "com.docker.compose.") {
						attrs[k] = v
					}
				}
				if asJSON {
					b, err := json.Marshal(map[string]any{"time": ev.When(), "type": "container", "service": ev.Actor.Attributes[compose.LabelService],
						"id": ev.Actor.ID, "action": ev.Action, "attributes": attrs})
					if err != nil {
						return err
					}
					fmt.Println(string(b))
					return nil
				}
				var kv []string
				for k, v := range attrs {
					kv = append(kv, k+"="+v)
				}
				sort.Strings(kv)
				fmt.Printf("%s container %s %s (%s)\n", ev.When().Format("2006-01-02 15:04:05.000000"), ev.Action, ev.Actor.ID, strings.Join(kv, ", "))
				return nil
			})
		}}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Output events as a stream of json objects")
	cmd.Flags().StringVar(&since, "since", "", "Show all events created since timestamp")
	cmd.Flags().StringVar(&until, "until", "", "Stream events until this timestamp")
	return cmd
}
