package tui

import (
	"cmp"
	"context"
	"slices"
	"strconv"
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
	// The images, volumes and networks tabs' inspect, rm and prune.
	ImageInspect(ref string) (*engine.ImageInspect, error)
	RemoveImage(ref string, force bool) (engine.RemovedImage, error)
	PruneImages(all bool) (*engine.PruneReport, error)
	InspectVolume(name string) (*engine.Volume, error)
	PruneVolumes(all bool) ([]string, int64, error)
	InspectNetwork(ref string) (*engine.NetworkSummary, error)
	PruneNetworks() ([]string, error)
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

	// Usage samples exactly the given running containers (and stops
	// sampling any other) and returns the newest CPU and memory reading
	// of each that has one.
	Usage(ids []string) map[string]engine.ContainerStats
	// Series samples one running container (the Stats tab) and returns
	// its readings, oldest first; "" stops sampling for the tab.
	Series(id string) ([]engine.ContainerStats, error)
	// CrashReport is why an exited container stopped.
	CrashReport(ctx context.Context, ref string, logLines int) (*engine.CrashReport, error)
	// Debug commits an exited container and runs a shell in the copy on
	// the real terminal (a sidecar for a running one).
	Debug(ctx context.Context, ref string, o engine.DebugOptions, s engine.Streams) (engine.DebugSession, int, error)

	// Create makes a container (the run form); Start then starts it.
	Create(o engine.CreateOptions) (string, error)
	// Pull fetches an image, telling opts.Progress about each layer (the
	// pull form); Build builds one, telling progress about each step (the
	// build form). Both stop when ctx is cancelled.
	Pull(ctx context.Context, ref string, opts engine.RegistryOptions) (*engine.PullResult, error)
	// Push uploads an image to the registry its name says, telling
	// opts.Progress about each layer (the push form); Tag names an image
	// anew (the tag form).
	Push(ctx context.Context, ref string, opts engine.RegistryOptions) (*engine.PushResult, error)
	Tag(src, dst string) error
	Build(ctx context.Context, o engine.BuildOptions, progress func(engine.BuildEvent)) (string, error)

	// The Layers view (layers*.go): an image's layer table and efficiency,
	// a layer's changes, the tree after a layer, and one file's history
	// and diff between two layers. Layers count from 0 at the bottom.
	ImageLayers(ref string, o engine.AnalyzeOptions) (*engine.LayerAnalysis, error)
	LayerChanges(ref string, from, to int, digests bool) ([]engine.FileEntry, error)
	LayerTree(ref string, upTo int, digests bool) ([]engine.FileEntry, error)
	PathHistory(ref, path string) ([]engine.PathEvent, error)
	LayerDiff(ref, path string, from, to int) (*engine.FileDiff, error)

	ListVolumes() ([]engine.VolumeSummary, error)
	CreateVolume(o engine.VolumeCreateOptions) (*engine.Volume, error)
	RemoveVolume(name string, force bool) error
	Networks() ([]engine.NetworkSummary, error)
	CreateNetwork(o engine.NetworkCreateOptions) (*engine.Network, error)
	RemoveNetwork(ref string) error
}

// FromEngine adapts berth's engine to the workbench's Engine.
func FromEngine(e *engine.Engine) Engine {
	return adapter{e, &usageWatch{e: e, every: listSampleInterval}, &usageWatch{e: e, every: time.Second}}
}

type adapter struct {
	*engine.Engine
	u *usageWatch // the list's columns
	s *usageWatch // the Stats tab's graphs
}

func (a adapter) Usage(ids []string) map[string]engine.ContainerStats { return a.u.usage(ids) }
func (a adapter) Series(id string) ([]engine.ContainerStats, error)   { return a.s.series(id) }

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
		Ports: portsOf(in.NetworkSettings.Ports),
	}
}

// portsOf is the PORTS of a container from inspect's "80/tcp" ->
// bindings map (filled while it runs), in container port order as ps
// lists them. A key or port that does not parse is left out.
func portsOf(m map[string][]engine.PortBinding) []engine.PortMapping {
	var out []engine.PortMapping
	for k, bs := range m {
		port, proto, ok := strings.Cut(k, "/")
		if !ok {
			proto = "tcp"
		}
		cp, err := strconv.Atoi(port)
		if err != nil {
			continue
		}
		for _, b := range bs {
			hp, err := strconv.Atoi(b.HostPort)
			if err != nil || hp == 0 {
				continue
			}
			ip := b.HostIP
			if ip == "0.0.0.0" {
				ip = ""
			}
			out = append(out, engine.PortMapping{HostIP: ip, HostPort: hp, ContainerPort: cp, Protocol: proto})
		}
	}
	slices.SortFunc(out, func(a, b engine.PortMapping) int {
		return cmp.Or(cmp.Compare(a.ContainerPort, b.ContainerPort), strings.Compare(a.Protocol, b.Protocol),
			strings.Compare(a.HostIP, b.HostIP), cmp.Compare(a.HostPort, b.HostPort))
	})
	return out
}
