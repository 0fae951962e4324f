package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthdev/berth/compose"
	"github.com/berthdev/berth/engine"
)

// composeLogs is `compose logs`: each line prefixed by its container's
// name, padded as docker compose pads it. With -f it also follows the
// project's containers that start while it runs (a scale-up, a `compose
// run`), as docker compose does by watching events, and ends when every
// followed container has stopped.
func composeLogs(cc *composeCLI) *cobra.Command {
	var o engine.LogOptions
	var tail, since, until string
	var lo logsOutput
	cmd := &cobra.Command{Use: "logs [OPTIONS] [SERVICE...]", Short: "View output from containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			began := time.Now()
			r, cs, err := cc.projectContainers(cmd.Context(), args)
			if err != nil {
				return err
			}
			if o.Tail, err = parseTail(tail); err != nil {
				return err
			}
			if o.Since, err = parseSince(since); err != nil {
				return err
			}
			if o.Until, err = parseSince(until); err != nil {
				return err
			}
			lo.color = !lo.noColor && term.IsTerminal(int(os.Stdout.Fd()))
			if o.Follow {
				project := r.P.Name
				lo.watch = &logsWatch{since: began, match: func(ev engine.Event) bool {
					a := ev.Actor.Attributes
					return ev.Type == "container" && ev.Action == "start" && a[compose.LabelProject] == project &&
						(len(args) == 0 || slices.Contains(args, a[compose.LabelService]))
				}, lookup: func(id string) (engine.ContainerSummary, bool) {
					all, err := compose.Containers(r.E, project, true)
					if err == nil {
						for _, c := range all {
							if c.ID == id {
								return c, true
							}
						}
					}
					return engine.ContainerSummary{}, false
				}}
			}
			return followLogs(cmd.Context(), r.E, cs, o, lo)
		}}
	f := cmd.Flags()
	f.BoolVarP(&o.Follow, "follow", "f", false, "Follow log output")
	f.BoolVarP(&o.Timestamps, "timestamps", "t", false, "Show timestamps")
	f.StringVarP(&tail, "tail", "n", "all", "Number of lines to show from the end of the logs for each container")
	f.StringVar(&since, "since", "", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
	f.StringVar(&until, "until", "", "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
	f.BoolVar(&lo.noPrefix, "no-log-prefix", false, "Don't print prefix in logs")
	f.BoolVar(&lo.noColor, "no-color", false, "Produce monochrome output")
	return cmd
}

// logsOutput is how followLogs prints: docker compose prefixes each line
// with the container's name, coloured on a terminal.
type logsOutput struct {
	noPrefix, noColor bool
	color             bool // set when printing to a terminal without --no-color
	// ended, when set, is called (while no line is printed) with the
	// index of a container whose log ended because it stopped.
	ended func(i int)
	// watch, when set (with Follow), adds the containers that start
	// while following.
	watch *logsWatch
}

// logsWatch picks the containers to add while following: start events
// since a time taken before the containers were listed (so none starting
// in between is missed), matched, then looked up.
type logsWatch struct {
	since  time.Time
	match  func(engine.Event) bool
	lookup func(id string) (engine.ContainerSummary, bool)
}

// logColors are docker compose's prefix colours, in its order.
var logColors = []string{"36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1"}

// followLogs prints the logs of cs, each line as "name  | text" (the
// names padded to the longest plus one, as docker compose does), the
// containers read side by side until each log ends (with Follow, until
// its container stops) or ctx ends. With lo.watch, containers that start
// meanwhile are followed too (a container started again after its log
// ended, from its new start), and it returns when no followed log is left.
func followLogs(ctx context.Context, e *engine.Engine, cs []engine.ContainerSummary, o engine.LogOptions, lo logsOutput) error {
	var mu sync.Mutex // guards everything below, and the output
	width, active, finished := 0, 0, false
	// Each container followed: its colour index, when its log was last
	// opened, and whether it is being read now.
	index := map[string]int{}
	opened := map[string]time.Time{}
	reading := map[string]bool{}
	// A start seen while the container's previous log was still being
	// read (a restart the reader has not noticed the end of yet, which a
	// loaded machine makes common), and the time of the last line printed
	// of each: when that reader ends, reading resumes after both, so the
	// new run's lines are printed once.
	restarted := map[string]time.Time{}
	last := map[string]time.Time{}
	var errs []error
	done := make(chan struct{})
	// follow starts reading c's log with o; called with mu held.
	var follow func(c engine.ContainerSummary, o engine.LogOptions)
	follow = func(c engine.ContainerSummary, o engine.LogOptions) {
		i, ok := index[c.ID]
		if !ok {
			i = len(index)
			index[c.ID] = i
		}
		opened[c.ID], reading[c.ID] = time.Now(), true
		width = max(width, len(compose.Name(c)))
		active++
		go func() {
			err := e.Logs(ctx, c.ID, o, func(le engine.LogEntry) error {
				mu.Lock()
				defer mu.Unlock()
				prefix := ""
				if !lo.noPrefix {
					prefix = fmt.Sprintf("%-*s | ", width+1, compose.Name(c))
					if lo.color {
						prefix = "\x1b[" + logColors[i%len(logColors)] + "m" + prefix + "\x1b[0m"
					}
				}
				ts := ""
				if o.Timestamps {
					ts = le.Time.UTC().Format(rfc3339NanoFixed) + " "
				}
				w := os.Stdout
				if le.Stream == "stderr" {
					w = os.Stderr
				}
				fmt.Fprintf(w, "%s%s%s\n", prefix, ts, strings.TrimSuffix(le.Log, "\n"))
				last[c.ID] = le.Time
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			reading[c.ID] = false
			if err != nil {
				errs = append(errs, err)
			} else if t, ok := restarted[c.ID]; ok && ctx.Err() == nil {
				delete(restarted, c.ID)
				ro := o
				ro.Since, ro.Tail = t, -1
				if l := last[c.ID].Add(time.Nanosecond); l.After(t) {
					ro.Since = l
				}
				follow(c, ro) // before this reader counts as ended
			} else if ctx.Err() == nil && lo.ended != nil {
				lo.ended(i)
			}
			if active--; active == 0 {
				finished = true
				close(done)
			}
		}()
	}
	mu.Lock()
	for _, c := range cs {
		follow(c, o)
	}
	if active == 0 {
		finished = true
		close(done)
	}
	mu.Unlock()
	watched := make(chan error, 1)
	wctx, stopWatch := context.WithCancel(ctx)
	if w := lo.watch; w != nil && o.Follow {
		go func() {
			f := engine.EventFilter{Follow: true, Since: w.since, Match: w.match}
			watched <- e.Events(wctx, f, func(ev engine.Event) error {
				mu.Lock()
				defer mu.Unlock()
				id := ev.Actor.ID
				if finished {
					return nil
				}
				if reading[id] {
					if t, ok := opened[id]; ok && ev.When().After(t) {
						restarted[id] = ev.When()
					}
					return nil
				}
				ro := o
				if t, ok := opened[id]; ok {
					// Started again (restart) after its log ended: only
					// the new lines, as docker compose re-attaches.
					if !ev.When().After(t) {
						return nil // a start its reading already covered
					}
					ro.Since, ro.Tail = ev.When(), -1
				}
				if c, ok := w.lookup(id); ok {
					follow(c, ro)
				}
				return nil
			})
		}()
	} else {
		watched <- nil
	}
	<-done
	stopWatch()
	if err := <-watched; err != nil && wctx.Err() == nil {
		errs = append(errs, err)
	}
	if ctx.Err() != nil {
		return nil // interrupted (ctrl-c): docker compose ends quietly
	}
	return errors.Join(errs...)
}
