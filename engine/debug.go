package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/berthdev/berth/debug"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// CrashReport is how a container ended: exit code and its meaning, signal,
// OOM kill, times, restarts, memory against its limit, its last log lines
// and a summary of its file changes.
type CrashReport = debug.Report

// CrashReport builds the crash report of a container (running ones too:
// their report says so), with up to logLines lines of its log.
func (e *Engine) CrashReport(ctx context.Context, ref string, logLines int) (*CrashReport, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return nil, err
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return nil, err
	}
	rep := &CrashReport{
		ID: r.ID, Name: r.Name, Image: r.Image, Command: strings.TrimSpace(r.Path + " " + strings.Join(r.Args, " ")),
		Status: statusLine(st), ExitCode: st.ExitCode, Meaning: debug.ExitMeaning(st.ExitCode, st.OOMKilled, st.StopRequest),
		Signal: debug.Signal(st.ExitCode), OOMKilled: st.OOMKilled, Error: st.Error,
		StartedAt: st.StartedAt, FinishedAt: st.FinishedAt, RestartCount: st.RestartCount,
		MemoryLimit: r.Host.Memory, LastLogs: []debug.LogLine{}, Changes: debug.ChangeSummary{First: []string{}},
	}
	if st.running() {
		rep.Meaning = "still running"
		if s, err := e.Stats(r.ID); err == nil {
			rep.MemoryPeak = s.MemoryPeak
		}
	} else {
		rep.MemoryPeak = st.MemoryPeak
		if !st.FinishedAt.IsZero() && st.FinishedAt.After(st.StartedAt) {
			rep.Ran = st.FinishedAt.Sub(st.StartedAt)
		}
	}
	err = e.Logs(ctx, r.ID, LogOptions{Tail: logLines}, func(le LogEntry) error {
		rep.LastLogs = append(rep.LastLogs, debug.LogLine{Stream: le.Stream, Time: le.Time, Text: strings.TrimRight(le.Log, "\n")})
		return nil
	})
	if err != nil {
		return nil, err
	}
	changes, err := e.ContainerChanges(r.ID)
	if err != nil {
		return nil, fmt.Errorf("container %s: its file changes: %w", r.Name, err)
	}
	for _, c := range changes {
		switch c.Kind {
		case layers.ChangeAdded:
			rep.Changes.Added++
		case layers.ChangeModified:
			rep.Changes.Modified++
		case layers.ChangeRemoved:
			rep.Changes.Removed++
		}
		if len(rep.Changes.First) < 10 {
			rep.Changes.First = append(rep.Changes.First, c.Kind.Letter()+" "+c.Path)
		}
	}
	return rep, nil
}

// DebugOptions is `berth debug`.
type DebugOptions struct {
	// Image is the toolbox image of the sidecar for a running container.
	// The default is busybox.
	Image string
	// Shell is the shell to run; the default is the first of debug.Shells
	// present in the file system.
	Shell string
	// Keep leaves the debug container (and for an exited container its
	// debug image) in place when the shell exits.
	Keep bool
	Tty  bool
}

// DebugSession names what Debug made.
type DebugSession struct {
	Container string // the debug container's name
	Image     string // the committed debug image's ID; empty for a sidecar
}

// Debug opens a shell for a container and returns when it exits, with the
// shell's exit code. For an exited (or created) container it commits the
// container's file system to a debug image and runs a container from it
// with the same configuration (environment, working directory, user,
// network, limits, privileges) and the entrypoint replaced by the shell.
// For a running container it starts a sidecar instead (see debugSidecar).
// Unless o.Keep, the debug container and image are removed afterwards, and
// after any error nothing is left behind.
func (e *Engine) Debug(ctx context.Context, ref string, o DebugOptions, s Streams) (DebugSession, int, error) {
	r, err := e.resolve(ref)
	if err != nil {
		return DebugSession{}, 0, err
	}
	st, err := e.loadState(r.ID)
	if err != nil {
		return DebugSession{}, 0, err
	}
	if st.running() {
		return e.debugSidecar(ctx, r, o, s)
	}
	shell := o.Shell
	candidates := debug.Shells
	if shell != "" {
		candidates = []string{shell}
	}
	if shell, err = debug.FindShell(filepath.Join(e.containerDir(r.ID), "upper"), r.LowerDirs, candidates); err != nil {
		return DebugSession{}, 0, fmt.Errorf("container %s: %v; choose one with --shell: %w", r.Name, err, errdefs.ErrNotFound)
	}
	var sess DebugSession
	ok := false
	defer func() {
		if !ok || !o.Keep {
			e.endDebug(sess)
		}
	}()
	sess.Image, err = e.Commit(ctx, r.ID, CommitOptions{Message: "berth debug " + r.Name})
	if err != nil {
		return sess, 0, err
	}
	host := r.Host
	host.AutoRemove = false
	entry := []string{shell}
	id, err := e.Create(CreateOptions{
		Name: e.debugName(r.Name), Image: sess.Image, Entrypoint: &entry,
		Env: r.Config.Env, WorkingDir: r.Config.WorkingDir, User: r.Config.User, Hostname: r.Config.Hostname,
		Tty: o.Tty, OpenStdin: true, Labels: map[string]string{"berth.debug": r.ID}, Host: host,
	})
	code, err := e.startDebug(ctx, &sess, id, err, s)
	ok = err == nil || err == ErrDetached
	return sess, code, err
}

// debugName is "<name>-debug", or with a number when that is taken.
func (e *Engine) debugName(name string) string {
	for i := 1; ; i++ {
		n := name + "-debug"
		if i > 1 {
			n = fmt.Sprintf("%s-debug%d", name, i)
		}
		if _, err := e.resolve(n); errdefs.Is(err, errdefs.ErrNotFound) {
			return n
		}
	}
}

// endDebug removes what a debug session made.
func (e *Engine) endDebug(sess DebugSession) {
	ctx := context.Background()
	if sess.Container != "" {
		e.Remove(ctx, sess.Container, true)
	}
	if sess.Image != "" {
		e.RemoveImage(sess.Image, false)
	}
}

// DefaultToolbox is the sidecar image of `berth debug` on a running container.
const DefaultToolbox = "busybox:latest"

// debugSidecar runs a shell from a toolbox image in the running target's
// pid, network, IPC and UTS namespaces (and user namespace, when it has one), as `kubectl debug` does: the
// target's processes are visible, its root file system is /proc/1/root,
// and SYS_PTRACE lets strace and gdb attach.
func (e *Engine) debugSidecar(ctx context.Context, r *record, o DebugOptions, s Streams) (DebugSession, int, error) {
	image := firstNonEmpty(o.Image, DefaultToolbox)
	img, err := e.images.Resolve(image)
	if err != nil {
		return DebugSession{}, 0, fmt.Errorf("debug toolbox: %w", err)
	}
	lowers, err := e.images.LowerDirs(img)
	if err != nil {
		return DebugSession{}, 0, err
	}
	candidates := debug.Shells
	if o.Shell != "" {
		candidates = []string{o.Shell}
	}
	shell, err := debug.FindShell("", lowers, candidates)
	if err != nil {
		return DebugSession{}, 0, fmt.Errorf("toolbox image %s: %v; choose another with --image: %w", image, err, errdefs.ErrNotFound)
	}
	var sess DebugSession
	ok := false
	defer func() {
		if !ok || !o.Keep {
			e.endDebug(sess)
		}
	}()
	target := containerModePrefix + r.ID
	entry := []string{shell}
	userns := ""
	if r.Host.IDMappings != nil {
		// The target's root is not the host's: the sidecar is no more.
		userns = target
	}
	id, err := e.Create(CreateOptions{
		Name: e.debugName(r.Name), Image: image, Entrypoint: &entry,
		Tty: o.Tty, OpenStdin: true, Labels: map[string]string{"berth.debug": r.ID},
		Host: HostConfig{
			PidMode: target, NetworkMode: target, IpcMode: target, UTSMode: target, UsernsMode: userns,
			CapAdd: []string{"SYS_PTRACE"},
		},
	})
	code, err := e.startDebug(ctx, &sess, id, err, s)
	ok = err == nil || err == ErrDetached
	return sess, code, err
}

// startDebug records the debug container Create made (id, createErr) in
// sess and runs its shell on the streams.
func (e *Engine) startDebug(ctx context.Context, sess *DebugSession, id string, createErr error, s Streams) (int, error) {
	if createErr != nil {
		return 0, createErr
	}
	sess.Container = id
	if cr, err := e.resolve(id); err == nil {
		sess.Container = cr.Name
	}
	return e.Start(ctx, id, &s)
}
