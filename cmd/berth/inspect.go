package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthdev/berth/internal/errdefs"
)

func init() { commands = append(commands, newInspectCmd) }

func newInspectCmd(c *cli) *cobra.Command {
	var format, kind string
	var asJSON bool
	views := map[string]*bool{}
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on containers or images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := c.engine()
			if err != nil {
				return err
			}
			var chosen []string
			for v, on := range views {
				if *on {
					chosen = append(chosen, "--"+v)
				}
			}
			if len(chosen) > 1 {
				return fmt.Errorf("choose one of %s", strings.Join(chosen, ", "))
			} else if len(chosen) == 1 {
				return inspectLive(e, chosen[0][2:], args, asJSON)
			}
			return inspectEach(args, format, func(ref string) (any, error) {
				var obj any
				var err error
				if kind == "" || kind == "container" {
					obj, err = e.Inspect(ref)
				}
				if (kind == "" && errdefs.Is(err, errdefs.ErrNotFound)) || kind == "image" {
					obj, err = e.ImageInspect(ref)
				}
				if kind == "" && errdefs.Is(err, errdefs.ErrNotFound) {
					err = fmt.Errorf("no such object: %s", ref)
				}
				return obj, err
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a custom template")
	cmd.Flags().StringVar(&kind, "type", "", "Only inspect objects of the given type (container, image)")
	for v, help := range map[string]string{"namespaces": "namespaces, and the containers sharing them",
		"processes": "process tree, host and container PIDs and UIDs", "mounts": "mount table and root file system layers",
		"net": "network interfaces, addresses and routes", "security": "capabilities, seccomp and no_new_privs"} {
		views[v] = cmd.Flags().Bool(v, false, "Show a running container's "+help)
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Print --namespaces, --processes, ... as JSON")
	return cmd
}

// inspectEach looks up every reference and prints what was found as docker's
// inspect does; each failure is one line on stderr and makes the exit status 1.
func inspectEach(refs []string, format string, lookup func(string) (any, error)) error {
	objs := []any{}
	failed := false
	for _, ref := range refs {
		obj, err := lookup(ref)
		if err != nil {
			fmt.Fprintln(os.Stderr, "berth: "+oneLine(err))
			failed = true
			continue
		}
		objs = append(objs, obj)
	}
	if err := printInspect(objs, format); err != nil {
		return err
	}
	if failed {
		return exitError{code: 1}
	}
	return nil
}

// printInspect prints objects as docker's inspect does: an indented JSON
// array, or each through a Go template evaluated on its JSON form, so
// {{.State.Status}} works as in docker.
func printInspect(objs []any, format string) error {
	if format == "" || format == "json" {
		if objs == nil {
			objs = []any{}
		}
		data, err := json.MarshalIndent(objs, "", "    ")
		if err != nil {
			return err
		}
		fmt.Println(string(data))
		return nil
	}
	tmpl, err := parseTemplate("inspect", format)
	if err != nil {
		return fmt.Errorf("invalid --format template: %v", err)
	}
	for _, o := range objs {
		// Templates see the JSON form, as docker's do; numbers stay exact.
		data, _ := json.Marshal(o)
		var generic map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		dec.Decode(&generic)
		var b strings.Builder
		if err := tmpl.Execute(&b, generic); err != nil {
			return fmt.Errorf("invalid --format template: %v", err)
		}
		fmt.Println(b.String())
	}
	return nil
}
