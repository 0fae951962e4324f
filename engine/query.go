package engine

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	units "github.com/docker/go-units"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/layers"
)

// List returns the containers, newest first; only running ones unless all.
func (e *Engine) List(all bool) ([]ContainerSummary, error) {
	ids, err := e.containerIDs()
	if err != nil {
		return nil, err
	}
	// Each container is two small files to read and decode: on all cores.
	rows := make([]*ContainerSummary, len(ids))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(ids); i = int(next.Add(1) - 1) {
				st, err := e.loadState(ids[i])
				if err != nil || (!all && !st.running()) {
					continue
				}
				r, err := e.loadRecord(ids[i])
				if err != nil {
					continue
				}
				row := summary(r, st)
				rows[i] = &row
			}
		}()
	}
	wg.Wait()
	var out []ContainerSummary
	for _, row := range rows {
		if row != nil {
			out = append(out, *row)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	e.imageOrID(out)
	return out, nil
}

// imageOrID keeps each row's Image, the name it was created from, while
// that name still means its image, and makes it the image ID otherwise (the
// name untagged by `rmi -f`, or moved to another image), as docker's list
// does (daemon/list.go refreshImage). One read of index.json answers every
// row (layers.ImageIDs): a Resolve per distinct name cost ps -a 4-7 ms.
func (e *Engine) imageOrID(rows []ContainerSummary) {
	var ids *layers.ImageIDs
	for i, r := range rows {
		if r.Image == r.ImageID || r.ImageID == "" {
			continue
		}
		if ids == nil {
			all, err := e.images.ImageIDs()
			if err != nil {
				return // unsure: the names as typed
			}
			ids = &all
		}
		if id, ok := ids.Lookup(r.Image); !ok || id != r.ImageID {
			rows[i].Image = r.ImageID
		}
	}
}

func summary(r *record, st *state) ContainerSummary {
	c := ContainerSummary{
		ID: r.ID, Names: []string{r.Name}, Image: r.Image, ImageID: r.ImageID,
		Command: strings.Join(append([]string{r.Path}, r.Args...), " "),
		Created: r.Created, State: string(st.Status), ExitCode: st.ExitCode, OOMKilled: st.OOMKilled, RestartCount: st.RestartCount, Ports: st.Ports,
		Labels: r.Config.Labels, StartedAt: st.StartedAt, FinishedAt: st.FinishedAt,
		Health: healthOf(r, st), Mounts: mountNames(r.Mounts), Networks: r.psNetworks(),
	}
	c.Status = c.StatusAt(time.Now())
	return c
}

// mountNames are ps's MOUNTS: each volume's name, else its source.
func mountNames(ms []MountPoint) []string {
	var out []string
	for _, m := range ms {
		if m.Name != "" {
			out = append(out, m.Name)
		} else {
			out = append(out, m.Source)
		}
	}
	return out
}

// psNetworks are ps's NETWORKS: the networks a container joins, or its
// mode (host, none); nothing for another container's namespace.
func (r *record) psNetworks() []string {
	if isNetworkName(r.Host.NetworkMode) {
		return r.networkNames()
	}
	if r.Host.NetworkMode == "host" || r.Host.NetworkMode == "none" {
		return []string{r.Host.NetworkMode}
	}
	return nil
}

// ContainerSize is docker's ps -s: the bytes a container wrote (its
// writable layer) and those plus its image's.
func (e *Engine) ContainerSize(ref string) (rw, rootfs int64, err error) {
	r, err := e.resolve(ref)
	if err != nil {
		return 0, 0, err
	}
	rw = dirSize(filepath.Join(e.containerDir(r.ID), "upper"))
	rootfs = rw
	if img, err := e.images.Resolve(r.ImageID); err == nil {
		rootfs += img.Size
	}
	return rw, rootfs, nil
}

// healthOf is a container's health status for lists and filters: "" when
// it has no check, else starting, healthy or unhealthy.
func healthOf(r *record, st *state) string {
	if !runsHealth(r.Config.Healthcheck) {
		return ""
	}
	if st.Health == nil {
		return HealthStarting
	}
	return st.Health.Status
}

// statusLine is docker's STATUS column now, from a state alone (a crash
// report's; lists use ContainerSummary.StatusAt, which knows the health).
func statusLine(st *state) string {
	health := ""
	if st.Health != nil {
		health = st.Health.Status
	}
	return ContainerSummary{State: string(st.Status), StartedAt: st.StartedAt, FinishedAt: st.FinishedAt,
		ExitCode: st.ExitCode, Health: health}.StatusAt(time.Now())
}

// StatusAt is docker's STATUS column at now: "Up 3 minutes (healthy)",
// "Exited (137) 2 seconds ago", "Restarting (1) 5 seconds ago". Lists
// render it at draw time, so that uptimes stay current (the workbench).
func (c ContainerSummary) StatusAt(now time.Time) string {
	since := func(t time.Time) string { return units.HumanDuration(now.Sub(t)) }
	switch container.Status(c.State) {
	case container.Running:
		return "Up " + since(c.StartedAt) + healthSuffix(c.Health)
	case container.Paused:
		return "Up " + since(c.StartedAt) + " (Paused)"
	case container.Restarting:
		return fmt.Sprintf("Restarting (%d) %s ago", c.ExitCode, since(c.FinishedAt))
	case container.Exited:
		if c.FinishedAt.IsZero() {
			return fmt.Sprintf("Exited (%d)", c.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", c.ExitCode, since(c.FinishedAt))
	case container.Created:
		return "Created"
	case container.Dead:
		return "Dead"
	}
	return c.State
}

// ContainerInspect is `berth inspect` of a container, with docker's field names.
type ContainerInspect struct {
	ID              string          `json:"Id"`
	Created         string          `json:"Created"`
	Path            string          `json:"Path"`
	Args            []string        `json:"Args"`
	State           InspectState    `json:"State"`
	Image           string          `json:"Image"`
	ResolvConfPath  string          `json:"ResolvConfPath"`
	HostnamePath    string          `json:"HostnamePath"`
	HostsPath       string          `json:"HostsPath"`
	LogPath         string          `json:"LogPath"`
	Name            string          `json:"Name"`
	RestartCount    int             `json:"RestartCount"`
	Driver          string          `json:"Driver"`
	Platform        string          `json:"Platform"`
	AppArmorProfile string          `json:"AppArmorProfile"`
	HostConfig      HostConfig      `json:"HostConfig"`
	GraphDriver     GraphDriver     `json:"GraphDriver"`
	Mounts          []MountPoint    `json:"Mounts"`
	Config          InspectConfig   `json:"Config"`
	NetworkSettings NetworkSettings `json:"NetworkSettings"`
}

// InspectState is the State object of docker's inspect.
type InspectState struct {
	Status     string  `json:"Status"`
	Running    bool    `json:"Running"`
	Paused     bool    `json:"Paused"`
	Restarting bool    `json:"Restarting"`
	OOMKilled  bool    `json:"OOMKilled"`
	Dead       bool    `json:"Dead"`
	Pid        int     `json:"Pid"`
	ExitCode   int     `json:"ExitCode"`
	Error      string  `json:"Error"`
	StartedAt  string  `json:"StartedAt"`
	FinishedAt string  `json:"FinishedAt"`
	Health     *Health `json:"Health,omitempty"`
}

// GraphDriver names the overlay directories of the container's root filesystem.
type GraphDriver struct {
	Name string            `json:"Name"`
	Data map[string]string `json:"Data"`
}

// InspectConfig is the Config object of docker's inspect.
type InspectConfig struct {
	recordConfig
	Image        string `json:"Image"`
	AttachStdin  bool   `json:"AttachStdin"`
	AttachStdout bool   `json:"AttachStdout"`
	AttachStderr bool   `json:"AttachStderr"`
	StdinOnce    bool   `json:"StdinOnce"`
	Domainname   string `json:"Domainname"`
	StopSignal   string `json:"StopSignal,omitempty"`
	StopTimeout  *int   `json:"StopTimeout,omitempty"` // seconds, when not docker's 10
}

const zeroTime = "0001-01-01T00:00:00Z"

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return zeroTime
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Inspect returns a container's configuration and state as docker shows them.
func (e *Engine) Inspect(ref string) (*ContainerInspect, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return nil, err
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return nil, err
	}
	dir := e.containerDir(r.ID)
	cfg := r.Config
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	return &ContainerInspect{
		ID: r.ID, Created: rfc3339(r.Created), Path: r.Path, Args: nonNil(r.Args),
		State: InspectState{
			Status: string(st.Status), Running: st.running(), Paused: st.Status == container.Paused,
			Restarting: st.Status == container.Restarting, OOMKilled: st.OOMKilled, Dead: st.Status == container.Dead,
			Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: rfc3339(st.StartedAt), FinishedAt: rfc3339(st.FinishedAt),
			Health: st.Health,
		},
		Image: r.ImageID, Name: "/" + r.Name, RestartCount: st.RestartCount,
		LogPath: filepath.Join(dir, "log.jsonl"), Driver: "overlay", Platform: "linux",
		HostConfig: r.Host,
		GraphDriver: GraphDriver{Name: "overlay", Data: map[string]string{
			"LowerDir":  strings.Join(r.LowerDirs, ":"),
			"UpperDir":  filepath.Join(dir, "upper"),
			"WorkDir":   filepath.Join(dir, "work"),
			"MergedDir": filepath.Join(e.runDir(r.ID), "merged"),
		}},
		Mounts: inspectMounts(r.Mounts),
		Config: InspectConfig{recordConfig: withoutAttach(cfg), Image: r.Image,
			AttachStdin: attached(cfg, "stdin"), AttachStdout: attached(cfg, "stdout"), AttachStderr: attached(cfg, "stderr"),
			StdinOnce: cfg.OpenStdin, StopSignal: r.StopSignal, StopTimeout: stopTimeoutSeconds(r.StopTime)},
		NetworkSettings: e.networkSettings(r, st),
	}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Top lists the processes of a running container, with host and container PIDs.
func (e *Engine) Top(ref string) ([]Process, error) {
	r, _, err := e.running(ref)
	if err != nil {
		return nil, err
	}
	c, err := e.libcontainer(r)
	if err != nil {
		return nil, err
	}
	pids, err := containerPids(c) // rootless.go
	if err != nil {
		return nil, fmt.Errorf("container %s: listing processes: %w", r.Name, err)
	}
	sort.Ints(pids)
	users := passwdNames(filepath.Join(e.runDir(r.ID), "merged"))
	var out []Process
	for _, pid := range pids {
		p, err := inspect.ReadProc(pid)
		if err != nil {
			continue // exited meanwhile
		}
		name := users[p.UID]
		if name == "" {
			name = fmt.Sprint(p.UID)
		}
		out = append(out, Process{PID: p.PID, PPID: p.PPID, ContainerPID: p.NSPid, UID: p.UID, User: name,
			State: p.State, StartTime: p.Start, CPUTime: p.CPUTime, TTY: p.TTY, Cmd: p.Cmd})
	}
	return out, nil
}

// imageUsers are the IDs of the containers created from imageID, so that
// an image in use is not removed from under them.
func (e *Engine) imageUsers(imageID string) ([]string, error) {
	ids, err := e.containerIDs()
	if err != nil {
		return nil, err
	}
	var users []string
	for _, id := range ids {
		if r, err := e.loadRecord(id); err == nil && r.ImageID == imageID {
			users = append(users, r.ID)
		}
	}
	return users, nil
}

// inspectMounts is the Mounts of inspect: docker's fields only.
func inspectMounts(mps []MountPoint) []MountPoint {
	out := make([]MountPoint, 0, len(mps))
	for _, mp := range mps {
		mp.NoCopy, mp.TmpfsOptions, mp.NonRecursive, mp.Labels = false, "", false, nil
		out = append(out, mp)
	}
	return out
}

// withoutAttach is cfg for inspect, which shows Attach as AttachStdin,
// AttachStdout and AttachStderr only.
func withoutAttach(cfg recordConfig) recordConfig {
	cfg.Attach = nil
	return cfg
}

// attached is inspect's AttachStdin/Stdout/Stderr: the streams -a named,
// else docker's default, stdout and stderr; stdin also with -i (docker's
// opts.parse).
func attached(cfg recordConfig, stream string) bool {
	if stream == "stdin" && cfg.OpenStdin {
		return true
	}
	if len(cfg.Attach) == 0 {
		return stream != "stdin"
	}
	return slices.Contains(cfg.Attach, stream)
}
