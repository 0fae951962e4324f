package tui

import (
	"context"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/engine"
)

// Engine is what the workbench needs from berth's engine, and no more. The
// adapter over *engine.Engine is FromEngine; tests use a fake of exactly this
// interface.
type Engine interface {
	// List returns the containers, newest first (all of them with all).
	List(all bool) ([]engine.ContainerSummary, error)
	// Container returns one container's row; the list follows events with it
	// instead of re-reading every container.
	Container(ref string) (engine.ContainerSummary, error)
	Inspect(ref string) (*engine.ContainerInspect, error)
	Images() ([]engine.ImageSummary, error)
	History(ref string) ([]engine.ImageHistory, error)
	Events(ctx context.Context, f engine.EventFilter, fn func(engine.Event) error) error
	Logs(ctx context.Context, ref string, o engine.LogOptions, fn func(engine.LogEntry) error) error
	ContainerChanges(ref string) ([]engine.Change, error)
	Processes(ref string) ([]engine.ProcessNode, error)
	Namespaces(ref string) ([]engine.NamespaceInfo, error)

	Start(ctx context.Context, ref string) error
	Stop(ctx context.Context, ref string, timeout time.Duration) error
	Restart(ctx context.Context, ref string, timeout time.Duration) error
	Kill(ref string, sig unix.Signal) error
	Pause(ref string) error
	Unpause(ref string) error
	Remove(ctx context.Context, ref string, force bool) error

	// Exec and Attach run on the real terminal while the TUI is suspended.
	Exec(ctx context.Context, ref string, o engine.ExecOptions, s engine.Streams) (int, error)
	Attach(ctx context.Context, ref string, s engine.Streams) (int, error)
}

// FromEngine adapts berth's engine to the workbench's Engine.
func FromEngine(e *engine.Engine) Engine { return adapter{e} }

type adapter struct{ *engine.Engine }

func (a adapter) Start(ctx context.Context, ref string) error {
	_, err := a.Engine.Start(ctx, ref, nil)
	return err
}

// Container builds a list row from Inspect, which reads one container's
// files only.
func (a adapter) Container(ref string) (engine.ContainerSummary, error) {
	in, err := a.Engine.Inspect(ref)
	if err != nil {
		return engine.ContainerSummary{}, err
	}
	return summaryOf(in), nil
}

// summaryOf is the row of a container from its inspect document. Status
// is left empty: the list renders it from the times, so it stays current.
func summaryOf(in *engine.ContainerInspect) engine.ContainerSummary {
	parse := func(s string) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, s)
		if t.Year() <= 1 {
			return time.Time{}
		}
		return t
	}
	return engine.ContainerSummary{
		ID: in.ID, Names: []string{strings.TrimPrefix(in.Name, "/")},
		Image: in.Config.Image, ImageID: in.Image,
		Command: strings.Join(append([]string{in.Path}, in.Args...), " "),
		Created: parse(in.Created), State: in.State.Status, ExitCode: in.State.ExitCode,
		Labels: in.Config.Labels, StartedAt: parse(in.State.StartedAt), FinishedAt: parse(in.State.FinishedAt),
	}
}
