// Package tuibench measures the workbench: the cost of one frame of the
// containers view with 1,000 containers (this file), and the CPU an idle
// workbench uses with 100 live containers (idle.sh). run.sh runs both.
package tuibench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/tui"
)

// manyContainers is a tui.Engine with n containers and nothing else.
type manyContainers struct{ list []engine.ContainerSummary }

func newMany(n int) *manyContainers {
	now := time.Now()
	m := &manyContainers{}
	states := []string{"running", "running", "exited", "paused", "created"}
	for i := range n {
		m.list = append(m.list, engine.ContainerSummary{
			ID: fmt.Sprintf("%064x", i+1), Names: []string{fmt.Sprintf("service-%04d", i)}, Image: "busybox:latest",
			Command: "sh -c 'while true; do date; sleep 1; done'", Created: now.Add(-time.Duration(i) * time.Minute),
			State: states[i%len(states)], StartedAt: now.Add(-time.Duration(i) * time.Second), FinishedAt: now,
		})
	}
	return m
}

var errNone = fmt.Errorf("not in this benchmark")

func (m *manyContainers) List(bool) ([]engine.ContainerSummary, error) { return m.list, nil }
func (m *manyContainers) Container(ref string) (engine.ContainerSummary, error) {
	return engine.ContainerSummary{}, errNone
}
func (m *manyContainers) Inspect(string) (*engine.ContainerInspect, error)  { return nil, errNone }
func (m *manyContainers) Images() ([]engine.ImageSummary, error)            { return nil, nil }
func (m *manyContainers) History(string) ([]engine.ImageHistory, error)     { return nil, errNone }
func (m *manyContainers) ImageInspect(string) (*engine.ImageInspect, error) { return nil, errNone }
func (m *manyContainers) RemoveImage(string, bool) (engine.RemovedImage, error) {
	return engine.RemovedImage{}, errNone
}
func (m *manyContainers) PruneImages(bool) (*engine.PruneReport, error)         { return nil, errNone }
func (m *manyContainers) InspectVolume(string) (*engine.Volume, error)          { return nil, errNone }
func (m *manyContainers) PruneVolumes(bool) ([]string, int64, error)            { return nil, 0, errNone }
func (m *manyContainers) InspectNetwork(string) (*engine.NetworkSummary, error) { return nil, errNone }
func (m *manyContainers) PruneNetworks() ([]string, error)                      { return nil, errNone }
func (m *manyContainers) Events(ctx context.Context, _ engine.EventFilter, _ func(engine.Event) error) error {
	<-ctx.Done()
	return nil
}
func (m *manyContainers) Logs(context.Context, string, engine.LogOptions, func(engine.LogEntry) error) error {
	return errNone
}
func (m *manyContainers) ContainerChanges(string) ([]engine.Change, error) { return nil, errNone }
func (m *manyContainers) Processes(string) ([]engine.ProcessNode, error)   { return nil, errNone }
func (m *manyContainers) Namespaces(string) ([]engine.NamespaceInfo, error) {
	return nil, errNone
}
func (m *manyContainers) Start(context.Context, string) error                  { return errNone }
func (m *manyContainers) Stop(context.Context, string, time.Duration) error    { return errNone }
func (m *manyContainers) Restart(context.Context, string, time.Duration) error { return errNone }
func (m *manyContainers) Kill(string, unix.Signal) error                       { return errNone }
func (m *manyContainers) Pause(string) error                                   { return errNone }
func (m *manyContainers) Unpause(string) error                                 { return errNone }
func (m *manyContainers) Remove(context.Context, string, bool) error           { return errNone }
func (m *manyContainers) Exec(context.Context, string, engine.ExecOptions, engine.Streams) (int, error) {
	return 0, errNone
}
func (m *manyContainers) Attach(context.Context, string, engine.Streams) (int, error) {
	return 0, errNone
}
func (m *manyContainers) Usage([]string) map[string]engine.ContainerStats { return nil }
func (m *manyContainers) Create(engine.CreateOptions) (string, error)     { return "", errNone }
func (m *manyContainers) ListVolumes() ([]engine.VolumeSummary, error)    { return nil, nil }
func (m *manyContainers) CreateVolume(engine.VolumeCreateOptions) (*engine.Volume, error) {
	return nil, errNone
}
func (m *manyContainers) RemoveVolume(string, bool) error            { return errNone }
func (m *manyContainers) Networks() ([]engine.NetworkSummary, error) { return nil, nil }
func (m *manyContainers) RemoveNetwork(string) error                 { return errNone }
func (m *manyContainers) CreateNetwork(engine.NetworkCreateOptions) (*engine.Network, error) {
	return nil, errNone
}
func (m *manyContainers) Series(string) ([]engine.ContainerStats, error) { return nil, errNone }
func (m *manyContainers) CrashReport(context.Context, string, int) (*engine.CrashReport, error) {
	return nil, errNone
}
func (m *manyContainers) Debug(context.Context, string, engine.DebugOptions, engine.Streams) (engine.DebugSession, int, error) {
	return engine.DebugSession{}, 0, errNone
}

// loaded runs the workbench on e until its list shows, then stops the
// program and returns the app, whose frames the benchmark then renders.
func loaded(b *testing.B, e tui.Engine, w, h int) *tui.App {
	app := tui.New(e, tui.Options{})
	ready := make(chan struct{})
	var once bool
	p := tea.NewProgram(app, tea.WithInput(strings.NewReader("")), tea.WithOutput(io.Discard),
		tea.WithWindowSize(w, h), tea.WithoutSignals(),
		tea.WithFilter(func(m tea.Model, msg tea.Msg) tea.Msg {
			if !once && strings.Contains(m.View().Content, "service-00") { // truncated at 80 columns
				once = true
				close(ready)
			}
			return msg
		}))
	go p.Run()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		b.Fatal("the list never showed")
	}
	p.Quit()
	p.Wait()
	return app
}

// BenchmarkContainersView is one frame of the containers view with 1,000
// containers: a cursor move (Update) and the render (View).
func BenchmarkContainersView(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {160, 48}, {300, 100}} {
		b.Run(fmt.Sprintf("1000x%dx%d", size[0], size[1]), func(b *testing.B) {
			app := loaded(b, newMany(1000), size[0], size[1])
			down := tea.KeyPressMsg{Code: 'j', Text: "j"}
			b.ResetTimer()
			for b.Loop() {
				app.Update(down)
				if v := app.View(); v.Content == "" {
					b.Fatal("empty frame")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/frame")
		})
	}
}

// BenchmarkContainersEvent is one container changing (the message an
// engine event leads to re-sorts the list of 1,000) and the frame after it.
func BenchmarkContainersEvent(b *testing.B) {
	app := loaded(b, newMany(1000), 160, 48)
	sort := tea.KeyPressMsg{Code: 'o', Text: "o"}
	b.ResetTimer()
	for b.Loop() {
		app.Update(sort) // each sort key press re-filters and re-sorts all 1,000
		app.View()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/frame")
}

func (m *manyContainers) Pull(context.Context, string, engine.RegistryOptions) (*engine.PullResult, error) {
	return nil, errNone
}
func (m *manyContainers) Push(context.Context, string, engine.RegistryOptions) (*engine.PushResult, error) {
	return nil, errNone
}
func (m *manyContainers) Tag(string, string) error { return errNone }
func (m *manyContainers) Build(context.Context, engine.BuildOptions, func(engine.BuildEvent)) (string, error) {
	return "", errNone
}
func (m *manyContainers) ImageLayers(string, engine.AnalyzeOptions) (*engine.LayerAnalysis, error) {
	return nil, errNone
}
func (m *manyContainers) LayerChanges(string, int, int, bool) ([]engine.FileEntry, error) {
	return nil, errNone
}
func (m *manyContainers) LayerTree(string, int, bool) ([]engine.FileEntry, error) {
	return nil, errNone
}
func (m *manyContainers) PathHistory(string, string) ([]engine.PathEvent, error) { return nil, errNone }
func (m *manyContainers) LayerDiff(string, string, int, int) (*engine.FileDiff, error) {
	return nil, errNone
}
