package tutorials

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/network"
)

// fakeState is a State in memory.
type fakeState struct {
	containers map[string]*engine.ContainerInspect
	images     []engine.ImageSummary
	history    map[string][]engine.ImageHistory
	volumes    []engine.VolumeSummary
	networks   []engine.NetworkSummary
	events     []engine.Event
	changes    map[string][]engine.Change
	reads      map[string]int
}

func (f *fakeState) ContainerChanges(ref string) ([]engine.Change, error) { return f.changes[ref], nil }

func (f *fakeState) read(what string) { f.reads[what]++ }

func (f *fakeState) List(all bool) ([]engine.ContainerSummary, error) {
	f.read("list")
	var out []engine.ContainerSummary
	for _, c := range f.containers {
		out = append(out, engine.ContainerSummary{ID: c.ID, Names: []string{c.Name[1:]}, State: c.State.Status})
	}
	return out, nil
}

func (f *fakeState) Inspect(ref string) (*engine.ContainerInspect, error) {
	f.read("inspect " + ref)
	if c, ok := f.containers[ref]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("container %q: %w", ref, errdefs.ErrNotFound)
}

func (f *fakeState) Images() ([]engine.ImageSummary, error) { f.read("images"); return f.images, nil }
func (f *fakeState) History(ref string) ([]engine.ImageHistory, error) {
	f.read("history " + ref)
	return f.history[ref], nil
}
func (f *fakeState) ListVolumes() ([]engine.VolumeSummary, error) { return f.volumes, nil }
func (f *fakeState) Networks() ([]engine.NetworkSummary, error)   { return f.networks, nil }
func (f *fakeState) Events(_ context.Context, o engine.EventFilter, fn func(engine.Event) error) error {
	if o.Follow {
		return errors.New("checks never follow events")
	}
	for _, ev := range f.events {
		if (!o.Since.IsZero() && ev.When().Before(o.Since)) || (o.Match != nil && !o.Match(ev)) {
			continue
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return nil
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func world() *fakeState {
	ctr := func(name, status string, code int) *engine.ContainerInspect {
		in := &engine.ContainerInspect{ID: name + strings.Repeat("0", 64-len(name)), Name: "/" + name,
			Created: t0.Format(time.RFC3339Nano), State: engine.InspectState{Status: status, ExitCode: code}}
		in.Config.Hostname = in.ID[:12]
		return in
	}
	f := &fakeState{containers: map[string]*engine.ContainerInspect{}, reads: map[string]int{}}
	for _, c := range []*engine.ContainerInspect{
		ctr("web", "running", 0), ctr("hog", "exited", 137), ctr("done", "exited", 0), ctr("peek", "running", 0),
	} {
		f.containers[c.Name[1:]] = c
	}
	f.containers["web"].Config.Hostname = "alpha"
	f.containers["web"].NetworkSettings.Networks = map[string]*engine.EndpointSettings{"backend": {}}
	f.containers["hog"].State.OOMKilled = true
	f.containers["hog"].HostConfig.Memory = 32 << 20
	f.containers["hog"].HostConfig.PidsLimit = 8
	f.containers["peek"].HostConfig.PidMode = "container:" + f.containers["web"].ID
	f.containers["peek"].HostConfig.NetworkMode = "bridge"
	f.containers["hog"].RestartCount = 3
	f.containers["web"].State.Health = &engine.Health{Status: "healthy"}
	f.containers["web"].Config.Env = []string{"PATH=/bin", "MODE=prod"}
	f.containers["web"].Mounts = []engine.MountPoint{{Type: "volume", Name: "data", Destination: "/data"}}
	f.containers["peek"].HostConfig.ReadonlyRootfs = true
	f.containers["peek"].HostConfig.Tmpfs = map[string]string{"/tmp": "size=1m"}
	f.images = []engine.ImageSummary{{ID: "sha256:1", RepoTags: []string{"busybox:latest"}}, {ID: "sha256:2", RepoTags: []string{"lesson-img:v2"}}}
	f.history = map[string][]engine.ImageHistory{"lesson-img:v2": {{Size: 0}, {Size: 3000}, {Size: 2_000_000}}}
	f.volumes = []engine.VolumeSummary{{Volume: engine.Volume{Name: "data"}}}
	f.networks = []engine.NetworkSummary{{Network: network.Network{Name: "backend"}}}
	ev := func(id, action string, at time.Time) engine.Event {
		return engine.Event{Type: "container", Action: action, Actor: engine.EventActor{ID: id}, TimeNano: at.UnixNano()}
	}
	f.events = []engine.Event{
		ev(f.containers["web"].ID, "exec_start: ps", t0.Add(-time.Hour)), // before web was created: a former web
		ev(f.containers["web"].ID, "exec_start: hostname -s", t0.Add(time.Second)),
		ev(f.containers["peek"].ID, "exec_start: ps aux", t0.Add(time.Second)),
	}
	return f
}

// TestEvaluate checks every kind against the fake state, true and false.
func TestEvaluate(t *testing.T) {
	opened := Opened{}
	opened.Add("namespaces", "web")
	opened.Add("layers", "lesson-img")
	tests := []struct {
		check string
		want  Status
		why   string
	}{
		{"exists web", Pass, ""},
		{"exists nope", Fail, "no container nope"},
		{"absent nope", Pass, ""},
		{"absent web", Fail, "it is running"},
		{"running web", Pass, ""},
		{"running hog", Fail, "it is exited (137)"},
		{"exited hog", Pass, ""},
		{"exited hog 137", Pass, ""},
		{"exited done 137", Fail, "it is exited (0)"},
		{"exited web", Fail, "it is running"},
		{"oom-killed hog", Pass, ""},
		{"oom-killed done", Fail, "it is exited (0), not OOM-killed"},
		{"memory-limit hog 32m", Pass, ""},
		{"memory-limit hog <=64m", Pass, ""},
		{"memory-limit hog >=64m", Fail, "it is 32m"},
		{"memory-limit web <=64m", Fail, "it has none"},
		{"pids-limit hog 8", Pass, ""},
		{"pids-limit hog >=10", Fail, "it is 8"},
		{"hostname web alpha", Pass, ""},
		{"hostname done alpha", Fail, "it is done00000000"},
		{"shares peek pid web", Pass, ""},
		{"shares peek net web", Fail, "its net mode is bridge"},
		{"shares done pid web", Fail, "its pid mode is its own"},
		{"shares peek pid nope", Fail, "no container nope"},
		{"on-network web backend", Pass, ""},
		{"on-network peek backend", Fail, "its network mode is bridge"},
		{"exec web hostname", Pass, ""},
		{"exec web", Pass, ""},
		{"exec web ps", Fail, "not yet"}, // only a former web ran ps
		{"exec peek ps", Pass, ""},
		{"exec done", Fail, "not yet"},
		{"exec nope ps", Fail, "no container nope"},
		{"image busybox", Pass, ""},
		{"image lesson-img:v2", Pass, ""},
		{"image lesson-img", Fail, "no image lesson-img"},
		{"layers lesson-img:v2 2", Pass, ""},
		{"layers lesson-img:v2 3", Fail, "it has 2"},
		{"layers lesson-img 1", Fail, "no image lesson-img"},
		{"volume data", Pass, ""},
		{"volume cache", Fail, "no volume cache"},
		{"network backend", Pass, ""},
		{"network front", Fail, "no network front"},
		{"restarts hog 3", Pass, ""},
		{"restarts hog >=4", Fail, "it was restarted 3 times"},
		{"restarts web >=1", Fail, "it was restarted 0 times"},
		{"health web healthy", Pass, ""},
		{"health web unhealthy", Fail, "it says healthy"},
		{"health done healthy", Fail, "it has no health check"},
		{"read-only peek", Pass, ""},
		{"read-only web", Fail, "its root filesystem is writable"},
		{"env web MODE=prod", Pass, ""},
		{"env web MODE=dev", Fail, "it has MODE=prod"},
		{"env web PORT=80", Fail, "it has no PORT"},
		{"env web MOD=prod", Fail, "it has no MOD"},
		{"mount peek /tmp", Pass, ""},
		{"mount peek /tmp/ tmpfs", Pass, ""},
		{"mount peek /tmp volume", Fail, "it is a tmpfs mount"},
		{"mount web /data volume", Pass, ""},
		{"mount web /data bind", Fail, "it is a volume mount"},
		{"mount web /tmp", Fail, "no mount at /tmp"},
		{"opened namespaces web", Pass, ""},
		{"opened layers lesson-img:latest", Pass, ""},
		{"opened namespaces hog", Fail, "not yet"},
	}
	f := world()
	for _, tt := range tests {
		t.Run(tt.check, func(t *testing.T) {
			c, err := parseCheck(tt.check)
			if err != nil {
				t.Fatalf("parseCheck(%q) = %v", tt.check, err)
			}
			rs := Step{Checks: []Check{c}}.Evaluate(context.Background(), f, opened)
			if rs[0].Status != tt.want || rs[0].Why != tt.why {
				t.Errorf("Evaluate(%s) = %v %q, want %v %q", tt.check, rs[0].Status, rs[0].Why, tt.want, tt.why)
			}
		})
	}
}

func TestEvaluateOutsideTheWorkbench(t *testing.T) {
	c, _ := parseCheck("opened crash hog")
	rs := Step{Checks: []Check{c}}.Evaluate(context.Background(), world(), nil)
	if rs[0].Status != Unknown || Done(rs) {
		t.Errorf("an opened check without the workbench = %v, want Unknown and not done", rs[0].Status)
	}
}

// TestEvaluateReadsOnce checks that one evaluation reads each thing once.
func TestEvaluateReadsOnce(t *testing.T) {
	f := world()
	var s Step
	for _, line := range []string{"running web", "hostname web alpha", "exited hog 137", "oom-killed hog", "image busybox", "image lesson-img:v2"} {
		c, _ := parseCheck(line)
		s.Checks = append(s.Checks, c)
	}
	rs := s.Evaluate(context.Background(), f, Opened{})
	if !Done(rs) {
		t.Fatalf("Evaluate = %+v, want all passed", rs)
	}
	for what, n := range f.reads {
		if n != 1 {
			t.Errorf("read %s %d times, want once", what, n)
		}
	}
}

// TestHintsKeepAndChanged: a failing check shows the hint for its
// reason, else the general one; keep: lines are checks that stay in force;
// changed passes only for a path in the container's writable layer.
func TestHintsKeepAndChanged(t *testing.T) {
	l, err := Parse("lessons/x.md", []byte(`---
title: T
summary: S
---

## Change a file

Text.

check: running web
hint stopped: start it again: berth start web
hint: run it first: berth run -d --name web busybox sleep 3600
keep: exists web
check: changed web /hello
hint: write it: berth exec web touch /hello
`))
	if err != nil {
		t.Fatal(err)
	}
	st := l.Steps[0]
	if !st.Checks[1].Keep || st.Checks[0].Keep {
		t.Errorf("keep: %+v", st.Checks)
	}
	f := &fakeState{containers: map[string]*engine.ContainerInspect{}, reads: map[string]int{}, changes: map[string][]engine.Change{}}
	rs := st.Evaluate(context.Background(), f, nil)
	if rs[0].Reason != "missing" || rs[0].Hint != "run it first: berth run -d --name web busybox sleep 3600" {
		t.Errorf("missing container: %+v", rs[0])
	}
	in := &engine.ContainerInspect{ID: "abc", State: engine.InspectState{Status: "exited"}}
	f.containers["web"] = in
	rs = st.Evaluate(context.Background(), f, nil)
	if rs[0].Reason != "stopped" || rs[0].Hint != "start it again: berth start web" || rs[2].Status != Fail || rs[2].Hint != "write it: berth exec web touch /hello" {
		t.Errorf("stopped container, no change: %+v", rs)
	}
	f.changes["web"] = []engine.Change{{Path: "/hello"}}
	in.State.Status = "running"
	if rs = st.Evaluate(context.Background(), f, nil); !Done(rs) {
		t.Errorf("all should pass: %+v", rs)
	}
	for _, bad := range []string{"hint: before any check", "check: exists x\nhint sleepy: x", "check: changed x relative",
		"check: health x fine", "check: env x NOEQUALS", "check: env x =v", "check: mount x rel", "check: mount x /p nfs",
		"check: restarts x 0", "check: read-only", "check: read-only x y"} {
		if _, err := Parse("lessons/b.md", []byte("---\ntitle: T\nsummary: S\n---\n\n## S\n\nText.\n\n"+bad+"\n")); err == nil {
			t.Errorf("Parse accepted %q", bad)
		}
	}
}
