package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/creack/pty"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/errdefs"
)

// Exec runs a new process in a running container and returns its exit
// code. Like runc exec, the calling process is the new process's parent; with
// Detach it returns as soon as the process runs.
func (e *Engine) Exec(ctx context.Context, ref string, o ExecOptions, s Streams) (int, error) {
	go warmCgroupAttach() // the exec joins the container's cgroups
	r, st, err := e.running(ref)
	if err != nil {
		return 0, err
	}
	if st.Status == container.Paused {
		return 0, fmt.Errorf("container %s is paused, unpause the container before exec: %w", r.Name, errdefs.ErrFailedPrecondition)
	}
	if len(o.Cmd) == 0 {
		return 0, fmt.Errorf("exec: no command given: %w", errdefs.ErrInvalid)
	}
	rootfs := filepath.Join(e.runDir(r.ID), "merged")
	ps, err := processSpec(rootfs, o.Cmd, mergeEnv(r.Config.Env, o.Env, o.Tty),
		firstNonEmpty(o.User, r.Config.User), firstNonEmpty(o.WorkingDir, r.Config.WorkingDir), o.Tty)
	if err != nil {
		return 0, err
	}
	proc := &libcontainer.Process{Args: ps.Args, Env: ps.Env, Cwd: ps.Cwd, UID: int(ps.User.UID), GID: int(ps.User.GID),
		Rlimits: processRlimits(r.Host.Ulimits)}
	for _, g := range ps.User.AdditionalGids {
		proc.AdditionalGroups = append(proc.AdditionalGroups, int(g))
	}
	var c *libcontainer.Container
	if o.Privileged {
		var done func()
		if c, done, err = e.privilegedExec(r, proc); err != nil {
			return 0, err
		}
		defer done()
	} else if c, err = e.libcontainer(r); err != nil {
		return 0, err
	}
	if o.Detach {
		return 0, e.runExec(c, r, proc)
	}
	if o.Tty {
		return e.execTTY(ctx, c, r, proc, o, s)
	}
	return e.execPipes(c, r, proc, s)
}

func (e *Engine) runExec(c *libcontainer.Container, r *record, proc *libcontainer.Process) error {
	if err := c.Run(proc); err != nil {
		if !e.stillRunning(c, r) {
			// The container ended while runc joined it: its namespaces
			// went away under nsexec ("procReady not received", "lstat
			// /proc/PID/ns/ipc"). Docker's line for it, not runc's.
			return fmt.Errorf("container %s is not running: %w", r.Name, errdefs.ErrFailedPrecondition)
		}
		return &StartError{Container: r.Name, Code: startExitCode(err), Msg: startError(err)}
	}
	e.emit(containerEvent("exec_start: "+joinArgs(proc.Args), r, nil))
	return nil
}

// execPipes runs with pipes of our own, so that a caller's stdin that never
// ends (a terminal) cannot keep us waiting after the process exits.
func (e *Engine) execPipes(c *libcontainer.Container, r *record, proc *libcontainer.Process, s Streams) (int, error) {
	var copiers sync.WaitGroup
	var closeAfter []*os.File
	out := func(w io.Writer) (*os.File, error) {
		if w == nil {
			return nil, nil
		}
		rd, wr, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		closeAfter = append(closeAfter, wr)
		copiers.Add(1)
		go func() { defer copiers.Done(); io.Copy(w, rd); rd.Close() }()
		return wr, nil
	}
	var err error
	if proc.Stdout, err = outFile(out(s.Stdout)); err != nil {
		return 0, err
	}
	if proc.Stderr, err = outFile(out(s.Stderr)); err != nil {
		return 0, err
	}
	if s.Stdin != nil {
		rd, wr, err := os.Pipe()
		if err != nil {
			return 0, err
		}
		proc.Stdin = rd
		closeAfter = append(closeAfter, rd)
		go func() { io.Copy(wr, s.Stdin); wr.Close() }()
	}
	err = e.runExec(c, r, proc)
	for _, f := range closeAfter {
		f.Close()
	}
	if err != nil {
		copiers.Wait()
		return 0, err
	}
	ws, _ := proc.Wait()
	copiers.Wait()
	code := waitStatusCode(ws)
	e.emit(containerEvent("exec_die", r, map[string]string{"exitCode": fmt.Sprint(code)}))
	return code, nil
}

// outFile adapts out's result to the io.Writer field, keeping a nil *os.File nil.
func outFile(f *os.File, err error) (io.Writer, error) {
	if f == nil || err != nil {
		return nil, err
	}
	return f, nil
}

// execTTY runs with a pseudo-terminal made inside the container (its devpts),
// whose master comes back over a console socket.
func (e *Engine) execTTY(ctx context.Context, c *libcontainer.Container, r *record, proc *libcontainer.Process, o ExecOptions, s Streams) (int, error) {
	parent, child, err := utils.NewSockPair("console")
	if err != nil {
		return 0, err
	}
	defer parent.Close()
	proc.ConsoleSocket = child
	proc.ConsoleWidth, proc.ConsoleHeight = o.Size.Cols, o.Size.Rows
	err = e.runExec(c, r, proc)
	child.Close()
	if err != nil {
		return 0, err
	}
	master, err := recvFile(parent)
	if err != nil {
		proc.Signal(os.Kill)
		proc.Wait()
		return 0, err
	}
	defer master.Close()
	if o.Size.Rows > 0 {
		pty.Setsize(master, &pty.Winsize{Rows: o.Size.Rows, Cols: o.Size.Cols})
	}
	outDone := make(chan struct{})
	go func() {
		if s.Stdout != nil {
			io.Copy(s.Stdout, master) // ends with EIO when the last slave closes
		}
		close(outDone)
	}()
	detached := make(chan struct{})
	if s.Stdin != nil {
		keys := s.DetachKeys
		if keys == nil {
			keys = DefaultDetachKeys
		}
		go func() {
			if _, err := io.Copy(master, &detachReader{r: s.Stdin, keys: keys}); err == ErrDetached {
				close(detached)
			}
		}()
	}
	if s.Resize != nil {
		go func() {
			for sz := range s.Resize {
				pty.Setsize(master, &pty.Winsize{Rows: sz.Rows, Cols: sz.Cols})
			}
		}()
	}
	waited := make(chan int, 1)
	go func() { ws, _ := proc.Wait(); waited <- waitStatusCode(ws) }()
	select {
	case code := <-waited:
		select {
		case <-outDone:
		case <-ctx.Done():
		}
		e.emit(containerEvent("exec_die", r, map[string]string{"exitCode": fmt.Sprint(code)}))
		return code, nil
	case <-detached:
		return 0, ErrDetached
	}
}

func joinArgs(a []string) string {
	s := ""
	for i, x := range a {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}

// execSettle is how long stillRunning gives a failed exec's container to
// show that it was ending.
const execSettle = time.Second

// stillRunning says, after an exec failed to start, whether r still runs:
// its init has its namespaces (an exiting init loses them before it is a
// zombie, which is when nsexec fails to join them) and its state is
// running. The exec can fail a moment before the init's exit shows (its
// setns process killed by the pid namespace's end: "signal: broken
// pipe"), so an init that ends within execSettle counts as ended.
func (e *Engine) stillRunning(c *libcontainer.Container, r *record) bool {
	cs, err := c.State()
	if err != nil || cs.InitProcessPid <= 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), execSettle)
	defer cancel()
	if waitExit(ctx, cs.InitProcessPid, cs.InitProcessStartTime) == nil {
		return false // it ended
	}
	for _, ns := range []string{"mnt", "ipc", "pid"} {
		if _, err := os.Lstat(fmt.Sprintf("/proc/%d/ns/%s", cs.InitProcessPid, ns)); err != nil {
			return false
		}
	}
	if st, err := c.Status(); err != nil || st == libcontainer.Stopped {
		return false
	}
	_, _, err = e.running(r.ID)
	return err == nil
}
