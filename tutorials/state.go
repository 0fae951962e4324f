package tutorials

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// State is what checks read from the engine: both *engine.Engine and the
// workbench's tui.Engine have these methods.
type State interface {
	List(all bool) ([]engine.ContainerSummary, error)
	Inspect(ref string) (*engine.ContainerInspect, error)
	Images() ([]engine.ImageSummary, error)
	History(ref string) ([]engine.ImageHistory, error)
	ListVolumes() ([]engine.VolumeSummary, error)
	Networks() ([]engine.NetworkSummary, error)
	// Events is read without Follow: the exec check looks for an
	// exec_start since the container was created.
	Events(ctx context.Context, f engine.EventFilter, fn func(engine.Event) error) error
	// ContainerChanges is what the changed check reads (berth diff).
	ContainerChanges(ref string) ([]engine.Change, error)
}

// Opened is what the learner opened in the workbench: "namespaces web",
// "layers lesson-img:latest". A nil Opened is outside the workbench (the
// CLI), where "opened" checks are Unknown.
type Opened map[string]bool

// Add records that view was opened on target (a container name or an
// image reference).
func (o Opened) Add(view, target string) { o[view+" "+normalRef(target)] = true }

func (o Opened) has(view, target string) bool { return o[view+" "+normalRef(target)] }

// normalRef is an image reference with its tag: "x" is "x:latest".
func normalRef(ref string) string {
	ref = strings.TrimPrefix(ref, "docker.io/library/")
	if i := strings.LastIndexAny(ref, ":/"); i < 0 || ref[i] == '/' {
		return ref + ":latest"
	}
	return ref
}

// Status is how a check went.
type Status int

const (
	Fail Status = iota
	Pass
	// Unknown is an "opened" check outside the workbench, or a state that
	// could not be read.
	Unknown
)

// Result is one check's outcome; Why says what was found when it fails,
// Reason classifies it (Reasons) and Hint is the lesson's hint for it.
type Result struct {
	Check  Check
	Status Status
	Why    string
	Reason string
	Hint   string
}

// reasonOf classifies a failed check for its hints: the thing is missing,
// a container is stopped (or still running where it should be gone), or
// some value is wrong; a state that could not be read is unknown.
func reasonOf(c Check, status Status, why string) string {
	switch {
	case status == Pass:
		return ""
	case status == Unknown:
		return "unknown"
	case strings.HasPrefix(why, "no ") || why == "not yet":
		return "missing"
	case c.Kind == "absent":
		return "running"
	case c.Kind == "running" || c.Kind == "exec" || c.Kind == "shares" && strings.HasPrefix(why, "it is"):
		return "stopped"
	}
	return "wrong"
}

// Done reports whether every result passed.
func Done(rs []Result) bool {
	for _, r := range rs {
		if r.Status != Pass {
			return false
		}
	}
	return len(rs) > 0
}

// Evaluate runs the step's checks against st and what was opened. It
// reads each thing at most once (the containers, one inspect per name,
// the images, ...).
func (s Step) Evaluate(ctx context.Context, st State, opened Opened) []Result {
	r := &reader{ctx: ctx, st: st, inspects: map[string]inspectResult{}}
	var out []Result
	for _, c := range s.Checks {
		status, why := r.check(c, opened)
		res := Result{Check: c, Status: status, Why: why, Reason: reasonOf(c, status, why)}
		if status != Pass {
			res.Hint = c.Hint(res.Reason)
		}
		out = append(out, res)
	}
	return out
}

type inspectResult struct {
	in  *engine.ContainerInspect
	err error
}

// reader caches what one evaluation read.
type reader struct {
	ctx      context.Context
	st       State
	inspects map[string]inspectResult
	images   []engine.ImageSummary
	imgErr   error
	imgRead  bool
}

func (r *reader) inspect(name string) (*engine.ContainerInspect, error) {
	if x, ok := r.inspects[name]; ok {
		return x.in, x.err
	}
	in, err := r.st.Inspect(name)
	r.inspects[name] = inspectResult{in, err}
	return in, err
}

func (r *reader) imageList() ([]engine.ImageSummary, error) {
	if !r.imgRead {
		r.images, r.imgErr = r.st.Images()
		r.imgRead = true
	}
	return r.images, r.imgErr
}

// check is one check's status and, when it does not pass, why.
func (r *reader) check(c Check, opened Opened) (Status, string) {
	a := c.Args
	switch c.Kind {
	case "opened":
		if opened == nil {
			return Unknown, "checked in the workbench (berth, then L)"
		}
		if opened.has(a[0], a[1]) {
			return Pass, ""
		}
		return Fail, "not yet"
	case "image":
		return r.imageCheck(a[0])
	case "layers":
		if st, why := r.imageCheck(a[0]); st != Pass {
			return st, why
		}
		h, err := r.st.History(a[0])
		if err != nil {
			return Unknown, oneLine(err)
		}
		n := 0
		for _, e := range h {
			if e.Size > 0 {
				n++
			}
		}
		want, _ := strconv.Atoi(a[1])
		if n >= want {
			return Pass, ""
		}
		return Fail, fmt.Sprintf("it has %d", n)
	case "volume":
		vs, err := r.st.ListVolumes()
		if err != nil {
			return Unknown, oneLine(err)
		}
		for _, v := range vs {
			if v.Name == a[0] {
				return Pass, ""
			}
		}
		return Fail, "no volume " + a[0]
	case "network":
		ns, err := r.st.Networks()
		if err != nil {
			return Unknown, oneLine(err)
		}
		for _, n := range ns {
			if n.Name == a[0] {
				return Pass, ""
			}
		}
		return Fail, "no network " + a[0]
	}
	in, err := r.inspect(a[0])
	if c.Kind == "absent" {
		switch {
		case errors.Is(err, errdefs.ErrNotFound):
			return Pass, ""
		case err != nil:
			return Unknown, oneLine(err)
		}
		return Fail, "it is " + stateText(in)
	}
	if errors.Is(err, errdefs.ErrNotFound) {
		return Fail, "no container " + a[0]
	}
	if err != nil {
		return Unknown, oneLine(err)
	}
	return r.containerCheck(c, in)
}

func (r *reader) imageCheck(ref string) (Status, string) {
	ims, err := r.imageList()
	if err != nil {
		return Unknown, oneLine(err)
	}
	want := normalRef(ref)
	for _, im := range ims {
		for _, t := range im.RepoTags {
			if normalRef(t) == want {
				return Pass, ""
			}
		}
	}
	return Fail, "no image " + ref
}

// containerCheck is a check on a container that exists.
func (r *reader) containerCheck(c Check, in *engine.ContainerInspect) (Status, string) {
	a, st := c.Args, in.State
	ok := func(b bool, why string) (Status, string) {
		if b {
			return Pass, ""
		}
		return Fail, why
	}
	switch c.Kind {
	case "exists":
		return Pass, ""
	case "running":
		return ok(st.Status == engine.StatusRunning, "it is "+stateText(in))
	case "exited":
		if st.Status != engine.StatusExited {
			return Fail, "it is " + stateText(in)
		}
		if len(a) > 1 {
			want, _ := strconv.Atoi(a[1])
			return ok(st.ExitCode == want, "it is "+stateText(in))
		}
		return Pass, ""
	case "oom-killed":
		return ok(st.OOMKilled, "it is "+stateText(in)+", not OOM-killed")
	case "memory-limit":
		return ok(within(in.HostConfig.Memory, a[1], true), limitText(in.HostConfig.Memory, true))
	case "pids-limit":
		return ok(within(in.HostConfig.PidsLimit, a[1], false), limitText(in.HostConfig.PidsLimit, false))
	case "hostname":
		if in.Config.Hostname == "" {
			return Fail, "it has none"
		}
		return ok(in.Config.Hostname == a[1], "it is "+in.Config.Hostname)
	case "shares":
		other, err := r.inspect(a[2])
		if errors.Is(err, errdefs.ErrNotFound) {
			return Fail, "no container " + a[2]
		}
		if err != nil {
			return Unknown, oneLine(err)
		}
		mode := map[string]string{"pid": in.HostConfig.PidMode, "net": in.HostConfig.NetworkMode, "ipc": in.HostConfig.IpcMode}[a[1]]
		if mode == "" {
			mode = "its own"
		}
		return ok(mode == "container:"+other.ID, "its "+a[1]+" mode is "+shortMode(mode))
	case "on-network":
		_, on := in.NetworkSettings.Networks[a[1]]
		return ok(on || in.HostConfig.NetworkMode == a[1], "its network mode is "+shortMode(in.HostConfig.NetworkMode))
	case "exec":
		return r.execCheck(in, strings.Join(a[1:], " "))
	case "restarts":
		return ok(within(int64(in.RestartCount), a[1], false), fmt.Sprintf("it was restarted %d times", in.RestartCount))
	case "health":
		if st.Health == nil {
			return Fail, "it has no health check"
		}
		return ok(st.Health.Status == a[1], "it says "+st.Health.Status)
	case "read-only":
		return ok(in.HostConfig.ReadonlyRootfs, "its root filesystem is writable")
	case "env":
		return ok(slices.Contains(in.Config.Env, a[1]), envText(in.Config.Env, a[1]))
	case "mount":
		return mountCheck(in, a[1:])
	case "changed":
		changes, err := r.st.ContainerChanges(a[0])
		if err != nil {
			return Unknown, oneLine(err)
		}
		for _, ch := range changes {
			if ch.Path == a[1] {
				return Pass, ""
			}
		}
		return Fail, "its writable layer has no " + a[1]
	}
	return Unknown, "unknown check " + c.Kind
}

// execCheck looks for an exec_start of cmd (any with "") in the
// container since it was created.
func (r *reader) execCheck(in *engine.ContainerInspect, cmd string) (Status, string) {
	since, _ := time.Parse(time.RFC3339Nano, in.Created)
	found := errors.New("found")
	err := r.st.Events(r.ctx, engine.EventFilter{Since: since, Match: func(ev engine.Event) bool {
		return ev.Type == "container" && ev.Actor.ID == in.ID && strings.HasPrefix(ev.Action, "exec_start")
	}}, func(ev engine.Event) error {
		ran := strings.TrimSpace(strings.TrimPrefix(ev.Action, "exec_start:"))
		if cmd == "" || ran == cmd || strings.HasPrefix(ran, cmd+" ") {
			return found
		}
		return nil
	})
	switch {
	case errors.Is(err, found):
		return Pass, ""
	case err != nil:
		return Unknown, oneLine(err)
	}
	return Fail, "not yet"
}

// envText says what the container's environment has instead of want.
func envText(env []string, want string) string {
	k, _, _ := strings.Cut(want, "=")
	for _, e := range env {
		if strings.HasPrefix(e, k+"=") {
			return "it has " + e
		}
	}
	return "it has no " + k
}

// mountCheck looks for a mount at args[0] (of type args[1] when given):
// the inspect's Mounts, and --tmpfs mounts, which docker lists apart.
func mountCheck(in *engine.ContainerInspect, args []string) (Status, string) {
	dest := path.Clean(args[0])
	var found []string
	for _, m := range in.Mounts {
		if path.Clean(m.Destination) == dest {
			found = append(found, m.Type)
		}
	}
	for p := range in.HostConfig.Tmpfs {
		if path.Clean(p) == dest {
			found = append(found, "tmpfs")
		}
	}
	switch {
	case len(found) == 0:
		return Fail, "no mount at " + dest
	case len(args) > 1 && !slices.Contains(found, args[1]):
		return Fail, "it is a " + found[0] + " mount"
	}
	return Pass, ""
}

func stateText(in *engine.ContainerInspect) string {
	if in.State.Status == engine.StatusExited {
		return fmt.Sprintf("exited (%d)", in.State.ExitCode)
	}
	return in.State.Status
}

func limitText(n int64, size bool) string {
	switch {
	case n <= 0:
		return "it has none"
	case size:
		return "it is " + strconv.FormatInt(n>>20, 10) + "m"
	}
	return "it is " + strconv.FormatInt(n, 10)
}

// shortMode is "container:<id>" with the ID cut to 12 characters.
func shortMode(m string) string {
	if id, ok := strings.CutPrefix(m, "container:"); ok && len(id) > 12 {
		return "container:" + id[:12]
	}
	if m == "" {
		return "the default"
	}
	return m
}

func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// Advance evaluates l from step from on, moving past each step whose
// checks all pass: it returns the first step that does not pass (len(Steps)
// when every one did) and that step's results.
func (l *Lesson) Advance(ctx context.Context, st State, opened Opened, from int) (int, []Result) {
	for n := max(from, 0); n < len(l.Steps); n++ {
		rs := l.Steps[n].Evaluate(ctx, st, opened)
		if !Done(rs) {
			return n, rs
		}
	}
	return len(l.Steps), nil
}
