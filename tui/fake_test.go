package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/debug"
	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/network"
)

// The crash report prints local times; the goldens are in UTC.
func init() { time.Local = time.UTC }

// epoch is the fake world's "now": every relative time is against it.
var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeEngine is an in-memory engine at exactly the tui.Engine boundary.
// Actions change state and emit events as the real engine does.
type fakeEngine struct {
	mu         sync.Mutex
	containers map[string]engine.ContainerSummary
	images     []engine.ImageSummary
	logs       map[string][]engine.LogEntry
	events     chan engine.Event
	calls      []string         // "stop web", "exec web /bin/sh", ...
	fail       map[string]error // verb -> error to return
	called     chan string      // every call, for tests to wait on
	usage      []string         // the IDs of the last Usage call

	hosts map[string]engine.HostConfig // by container ID: Inspect's HostConfig (limits)
}

func newFakeEngine() *fakeEngine {
	f := &fakeEngine{
		containers: map[string]engine.ContainerSummary{},
		logs:       map[string][]engine.LogEntry{},
		events:     make(chan engine.Event, 100),
		fail:       map[string]error{},
		called:     make(chan string, 100),
	}
	return f
}

// world is the fixture of the golden tests: a few containers in every
// state, two images, a log.
func world() *fakeEngine {
	f := newFakeEngine()
	add := func(n int, nm, image, state string, code int, cmd string) {
		id := fmt.Sprintf("%02d%062x", n, n*7919)
		c := engine.ContainerSummary{ID: id, Names: []string{nm}, Image: image, ImageID: "sha256:" + strings.Repeat("ab", 32),
			Command: cmd, Created: epoch.Add(-time.Duration(n) * time.Hour), State: state, ExitCode: code}
		switch state {
		case "running", "paused":
			c.StartedAt = epoch.Add(-time.Duration(n) * 17 * time.Minute)
		case "exited":
			c.StartedAt = epoch.Add(-time.Duration(n) * time.Hour)
			c.FinishedAt = epoch.Add(-time.Duration(n) * 3 * time.Minute)
		}
		f.containers[id] = c
	}
	add(1, "web", "busybox:latest", "running", 0, "httpd -f -p 8080")
	web1 := f.byName("web")
	web1.Ports = []engine.PortMapping{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 8080, Protocol: "tcp"}}
	f.containers[web1.ID] = web1
	add(2, "db", "busybox:latest", "running", 0, "sh -c 'while true; do date; sleep 1; done'")
	add(3, "worker", "registry.local:5000/team/worker:v2", "paused", 0, "worker --queue jobs")
	add(4, "crashed", "busybox:latest", "exited", 137, "sh -c 'exit 137'")
	add(5, "fresh", "sha256:"+strings.Repeat("ab", 32), "created", 0, "true") // its name untagged
	add(6, "batch-with-a-rather-long-name", "busybox:latest", "exited", 0, "echo done")
	f.images = []engine.ImageSummary{
		{ID: "sha256:" + strings.Repeat("ab", 32), RepoTags: []string{"busybox:latest"},
			RepoDigests: []string{"busybox@sha256:" + strings.Repeat("cd", 32)}, Created: epoch.Add(-48 * time.Hour), Size: 2_170_000},
		{ID: "sha256:" + strings.Repeat("ef", 32), RepoTags: []string{"registry.local:5000/team/worker:v2"},
			Created: epoch.Add(-30 * 24 * time.Hour), Size: 48_300_000},
	}
	web := f.byName("web").ID
	for i := range 40 {
		stream := "stdout"
		if i%10 == 9 {
			stream = "stderr"
		}
		f.logs[web] = append(f.logs[web], engine.LogEntry{Stream: stream, Time: epoch.Add(time.Duration(i-40) * time.Second),
			Log: fmt.Sprintf("GET /index.html 200 request=%d\n", i)})
	}
	return f
}

func (f *fakeEngine) byName(ref string) engine.ContainerSummary {
	for _, c := range f.containers {
		if c.Names[0] == ref || strings.HasPrefix(c.ID, ref) {
			return c
		}
	}
	return engine.ContainerSummary{}
}

func (f *fakeEngine) record(call string) {
	f.calls = append(f.calls, call)
	select {
	case f.called <- call:
	default:
	}
}

// Calls is what the workbench asked of the engine, in order.
func (f *fakeEngine) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeEngine) List(all bool) ([]engine.ContainerSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.ContainerSummary
	for _, c := range f.containers {
		if all || c.State == "running" {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeEngine) Container(ref string) (engine.ContainerSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.byName(ref)
	if c.ID == "" {
		return c, fmt.Errorf("container %q: %w", ref, errdefs.ErrNotFound)
	}
	return c, nil
}

func (f *fakeEngine) Inspect(ref string) (*engine.ContainerInspect, error) {
	c, err := f.Container(ref)
	if err != nil {
		return nil, err
	}
	in := &engine.ContainerInspect{ID: c.ID, Name: "/" + c.Names[0], Path: "sh", Args: []string{"-c", c.Command},
		Created: c.Created.Format(time.RFC3339Nano), Image: c.ImageID, Driver: "overlay", Platform: "linux",
		State: engine.InspectState{Status: c.State, Running: c.State == "running", ExitCode: c.ExitCode}}
	in.Config.Image = c.Image
	in.Config.Tty = c.Names[0] == "web"
	in.HostConfig = f.hosts[c.ID]
	return in, nil
}

func (f *fakeEngine) Images() ([]engine.ImageSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.images), nil
}

func (f *fakeEngine) History(ref string) ([]engine.ImageHistory, error) {
	return []engine.ImageHistory{
		{ID: "sha256:" + strings.Repeat("ab", 32), Created: epoch.Add(-48 * time.Hour), CreatedBy: `/bin/sh -c #(nop)  CMD ["sh"]`},
		{ID: "<missing>", Created: epoch.Add(-48 * time.Hour), CreatedBy: "berth bootstrap: busybox-static from the host", Size: 2_170_000, Comment: "bootstrap"},
	}, nil
}

func (f *fakeEngine) Events(ctx context.Context, o engine.EventFilter, fn func(engine.Event) error) error {
	if !o.Follow {
		return nil // no history: the fake's events are only ever new ones
	}
	for {
		select {
		case ev := <-f.events:
			if err := fn(ev); err != nil {
				return err
			}
		case <-ctx.Done():
			return nil
		}
	}
}

func (f *fakeEngine) Logs(ctx context.Context, ref string, o engine.LogOptions, fn func(engine.LogEntry) error) error {
	c, err := f.Container(ref)
	if err != nil {
		return err
	}
	f.mu.Lock()
	entries := slices.Clone(f.logs[c.ID])
	f.mu.Unlock()
	for _, le := range entries {
		if err := fn(le); err != nil {
			return err
		}
	}
	return nil
}

// change applies an action: a new state, and the event the engine emits.
func (f *fakeEngine) change(verb, ref, state, action string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(verb + " " + ref)
	if err := f.fail[verb]; err != nil {
		return err
	}
	c := f.byName(ref)
	if c.ID == "" {
		return fmt.Errorf("container %q: %w", ref, errdefs.ErrNotFound)
	}
	if state == "" {
		delete(f.containers, c.ID)
	} else {
		c.State = state
		switch state {
		case "running":
			c.StartedAt = epoch
		case "exited":
			c.FinishedAt = epoch
		}
		f.containers[c.ID] = c
	}
	f.events <- engine.Event{Type: "container", Action: action, Actor: engine.EventActor{ID: c.ID, Attributes: map[string]string{"name": c.Names[0]}},
		TimeNano: epoch.UnixNano()}
	return nil
}

func (f *fakeEngine) Start(_ context.Context, ref string) error {
	return f.change("start", ref, "running", "start")
}
func (f *fakeEngine) Stop(_ context.Context, ref string, _ time.Duration) error {
	return f.change("stop", ref, "exited", "die")
}
func (f *fakeEngine) Restart(_ context.Context, ref string, _ time.Duration) error {
	return f.change("restart", ref, "running", "restart")
}
func (f *fakeEngine) Kill(ref string, _ unix.Signal) error {
	return f.change("kill", ref, "exited", "die")
}
func (f *fakeEngine) Pause(ref string) error   { return f.change("pause", ref, "paused", "pause") }
func (f *fakeEngine) Unpause(ref string) error { return f.change("unpause", ref, "running", "unpause") }
func (f *fakeEngine) Remove(_ context.Context, ref string, force bool) error {
	return f.change(map[bool]string{true: "rm -f", false: "rm"}[force], ref, "", "destroy")
}

func (f *fakeEngine) Exec(_ context.Context, ref string, o engine.ExecOptions, s engine.Streams) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("exec %s %s tty=%v", ref, strings.Join(o.Cmd, " "), o.Tty))
	return 0, f.fail["exec"]
}

func (f *fakeEngine) Attach(_ context.Context, ref string, s engine.Streams) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("attach " + ref)
	return 0, engine.ErrDetached
}

// add makes a new running container appear, as `berth run -d` elsewhere would.
func (f *fakeEngine) add(nm string) {
	f.mu.Lock()
	id := fmt.Sprintf("99%062x", len(f.containers))
	f.containers[id] = engine.ContainerSummary{ID: id, Names: []string{nm}, Image: "busybox:latest", Command: "top",
		Created: epoch, StartedAt: epoch, State: "running"}
	f.mu.Unlock()
	f.events <- engine.Event{Type: "container", Action: "start", Actor: engine.EventActor{ID: id, Attributes: map[string]string{"name": nm}},
		TimeNano: epoch.UnixNano()}
}

func (f *fakeEngine) ContainerChanges(ref string) ([]engine.Change, error) {
	if _, err := f.Container(ref); err != nil {
		return nil, err
	}
	return []engine.Change{{Kind: "modified", Path: "/etc"}, {Kind: "added", Path: "/etc/motd"}, {Kind: "removed", Path: "/tmp/old"}}, nil
}

func (f *fakeEngine) Processes(ref string) ([]engine.ProcessNode, error) {
	if _, err := f.Container(ref); err != nil {
		return nil, err
	}
	child := engine.ProcessNode{Process: engine.Process{PID: 4242, ContainerPID: 7, User: "root", State: "S", Cmd: "sleep 1"}}
	return []engine.ProcessNode{{Process: engine.Process{PID: 4200, ContainerPID: 1, User: "root", State: "S", Cmd: "httpd -f -p 8080"},
		Children: []engine.ProcessNode{child}}}, nil
}

func (f *fakeEngine) Namespaces(ref string) ([]engine.NamespaceInfo, error) {
	if _, err := f.Container(ref); err != nil {
		return nil, err
	}
	return []engine.NamespaceInfo{{Type: "mnt", Inode: 4026532001}, {Type: "net", Inode: 4026531840, Host: true},
		{Type: "pid", Inode: 4026532003, SharedWith: []string{"sidecar"}},
		{Type: "user", Inode: 4026532010, UIDMap: []string{"0:196608:65536"}, GIDMap: []string{"0:196608:1000", "1000:1000:1"}}}, nil
}

// Usage is a fixed reading for every running container asked about: CPU
// and memory grow with the container's number in world.
func (f *fakeEngine) Usage(ids []string) map[string]engine.ContainerStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.usage = slices.Clone(ids)
	out := map[string]engine.ContainerStats{}
	for _, id := range ids {
		c, ok := f.containers[id]
		if !ok || c.State != "running" {
			continue
		}
		n := int(id[1]-'0') + 1
		st := engine.ContainerStats{ID: id, CPUPercent: float64(n) * 12.5, MemoryWorkingSet: uint64(n) * 3 << 20,
			NetRx: uint64(n) * 1200, NetTx: uint64(n) * 324}
		st.BlockRead, st.BlockWrite = uint64(n)*4<<20, uint64(n)*4096
		out[id] = st
	}
	return out
}

// usageAsked is the IDs the last Usage call sampled.
func (f *fakeEngine) usageAsked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.usage
}

// Series is a minute of readings of a running container: CPU rises and
// falls, memory climbs towards its 64MiB limit, traffic every few seconds.
func (f *fakeEngine) Series(id string) ([]engine.ContainerStats, error) {
	c, err := f.Container(id)
	if err != nil {
		return nil, err
	}
	if c.State != "running" {
		return nil, fmt.Errorf("container %s is not running", name(c))
	}
	var out []engine.ContainerStats
	for i := range 60 {
		st := engine.ContainerStats{ID: c.ID, Read: epoch.Add(time.Duration(i-60) * time.Second), OnlineCPUs: 2, MemoryLimited: true}
		st.CPUPercent = float64((i*7)%50) + 0.5
		st.MemoryLimit = 64 << 20
		st.MemoryWorkingSet = uint64(8+i/2) << 20
		st.MemoryPeak = 40 << 20
		st.PIDs, st.PIDsLimit = uint64(3+i%4), 100
		st.NetRx, st.NetTx = uint64(i/5)*1500, uint64(i/10)*800
		st.BlockRead, st.BlockWrite = 4096*uint64(i/20), 8192*uint64(i)
		out = append(out, st)
	}
	return out, nil
}

func (f *fakeEngine) CrashReport(_ context.Context, ref string, _ int) (*engine.CrashReport, error) {
	c, err := f.Container(ref)
	if err != nil {
		return nil, err
	}
	if c.State != "exited" {
		return nil, fmt.Errorf("container %s is %s: a crash report is for a stopped container", name(c), c.State)
	}
	return &engine.CrashReport{ID: c.ID, Name: name(c), Image: c.Image, Command: c.Command, Status: c.State,
		ExitCode: c.ExitCode, Meaning: "killed by SIGKILL (137 = 128 + 9)", Signal: "SIGKILL",
		StartedAt: c.StartedAt, FinishedAt: c.FinishedAt, Ran: c.FinishedAt.Sub(c.StartedAt),
		LastLogs: []debug.LogLine{{Stream: "stderr", Time: c.FinishedAt, Text: "out of patience"}},
		Changes:  debug.ChangeSummary{Added: 1, First: []string{"A /tmp/partial"}}}, nil
}

func (f *fakeEngine) Debug(_ context.Context, ref string, o engine.DebugOptions, s engine.Streams) (engine.DebugSession, int, error) {
	c, err := f.Container(ref)
	f.recordLocked(fmt.Sprintf("debug %s tty=%v", ref, o.Tty))
	if err != nil {
		return engine.DebugSession{}, 0, err
	}
	return engine.DebugSession{Container: name(c) + "-debug"}, 0, f.fail["debug"]
}

// fakeResources are the fake world's volumes and networks.
type fakeResources struct {
	volumes  []engine.VolumeSummary
	networks []engine.NetworkSummary
}

var fakeRes = map[*fakeEngine]*fakeResources{}
var fakeResMu sync.Mutex

func (f *fakeEngine) res() *fakeResources {
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	r := fakeRes[f]
	if r == nil {
		r = &fakeResources{
			volumes: []engine.VolumeSummary{{Volume: engine.Volume{Name: "pgdata", Driver: "local", Mountpoint: "/var/lib/berth/volumes/pgdata/_data"}, UsedBy: []string{"db"}}},
			networks: []engine.NetworkSummary{{Network: network.Network{Name: "bridge", ID: strings.Repeat("1a", 32), Driver: "bridge",
				IPAM: network.IPAM{Config: []network.IPAMConfig{{Subnet: "10.88.0.0/16"}}}},
				Containers: map[string]engine.NetworkMember{"x": {Name: "web"}, "y": {Name: "db"}}}},
		}
		fakeRes[f] = r
	}
	return r
}

func (f *fakeEngine) ListVolumes() ([]engine.VolumeSummary, error) {
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	return slices.Clone(r.volumes), nil
}

func (f *fakeEngine) CreateVolume(o engine.VolumeCreateOptions) (*engine.Volume, error) {
	f.recordLocked("volume create " + o.Name)
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	v := engine.Volume{Name: o.Name, Driver: "local", Mountpoint: "/var/lib/berth/volumes/" + o.Name + "/_data"}
	r.volumes = append(r.volumes, engine.VolumeSummary{Volume: v})
	return &v, nil
}

func (f *fakeEngine) RemoveVolume(name string, _ bool) error {
	f.recordLocked("volume rm " + name)
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	i := slices.IndexFunc(r.volumes, func(v engine.VolumeSummary) bool { return v.Name == name })
	if i < 0 {
		return fmt.Errorf("no such volume: %s", name)
	}
	if len(r.volumes[i].UsedBy) > 0 {
		return fmt.Errorf("volume %s is in use by %s", name, strings.Join(r.volumes[i].UsedBy, ", "))
	}
	r.volumes = slices.Delete(r.volumes, i, i+1)
	return nil
}

func (f *fakeEngine) Networks() ([]engine.NetworkSummary, error) {
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	return slices.Clone(r.networks), nil
}

func (f *fakeEngine) CreateNetwork(o engine.NetworkCreateOptions) (*engine.Network, error) {
	f.recordLocked("network create " + o.Name)
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	n := network.Network{Name: o.Name, ID: strings.Repeat("2b", 32), Driver: "bridge",
		IPAM: network.IPAM{Config: []network.IPAMConfig{{Subnet: "10.89.1.0/24"}}}}
	r.networks = append(r.networks, engine.NetworkSummary{Network: n})
	return &n, nil
}

func (f *fakeEngine) RemoveNetwork(ref string) error {
	f.recordLocked("network rm " + ref)
	r := f.res()
	fakeResMu.Lock()
	defer fakeResMu.Unlock()
	i := slices.IndexFunc(r.networks, func(n engine.NetworkSummary) bool { return n.Name == ref })
	if i < 0 {
		return fmt.Errorf("no such network: %s", ref)
	}
	r.networks = slices.Delete(r.networks, i, i+1)
	return nil
}

// recordLocked is record for methods that do not hold f.mu.
func (f *fakeEngine) recordLocked(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(call)
}

// Create makes a created container as the run form asks.
func (f *fakeEngine) Create(o engine.CreateOptions) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(fmt.Sprintf("create %s %s %v env=%v ports=%d binds=%v net=%s rm=%v tty=%v",
		o.Name, o.Image, o.Cmd, o.Env, len(o.Host.PortBindings), o.Host.Binds, o.Host.NetworkMode, o.Host.AutoRemove, o.Tty))
	if err := f.fail["create"]; err != nil {
		return "", err
	}
	id := fmt.Sprintf("98%062x", len(f.containers))
	nm := o.Name
	if nm == "" {
		nm = "generated_name"
	}
	f.containers[id] = engine.ContainerSummary{ID: id, Names: []string{nm}, Image: o.Image, Command: strings.Join(o.Cmd, " "),
		Created: epoch, State: "created"}
	f.events <- engine.Event{Type: "container", Action: "create", Actor: engine.EventActor{ID: id}}
	return id, nil
}
