package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/lockfile"
	"github.com/berthdev/berth/internal/seccompcache"
)

// The shim is `berth shim`: one process per running container, started by
// Start in its own session. It creates and starts the container, is the
// parent that waits on it, writes its output to the log, serves attach on a
// unix socket, forwards signals it receives, and records how the container
// ended. Its progress reaches the starter through a pipe (fd 3) as lines:
//
//	listening          the attach socket is ready (only when asked to wait for a client)
//	ok <pid>           the container's process runs
//	err <code> <msg>   it could not start; code is docker's (125, 126, 127)

// ShimOptions are the arguments of the hidden shim command.
type ShimOptions struct {
	Root, RunRoot string
	ID            string
	WaitAttach    bool // do not start until one attach client has connected
}

type shim struct {
	e        *Engine
	r        *record
	report   *os.File
	mu       sync.Mutex // ctr, which is nil between restarts
	ctr      *libcontainer.Container
	out      *broadcaster
	merged   string
	log      io.Writer     // the shim's own log (shim.log); nil: none
	patience time.Duration // of record; 0 is recordPatience
	volLocks func()        // drops the volume locks start took (volumeopts.go)
}

// releaseVolumeLocks drops the locks start took on the volumes it mounted,
// once the container is recorded running or has failed to start.
func (s *shim) releaseVolumeLocks() {
	if s.volLocks != nil {
		s.volLocks()
		s.volLocks = nil
	}
}

// RunShim is the body of the shim process. It returns when the container has
// exited and its state is recorded.
func RunShim(o ShimOptions) error {
	e := &Engine{root: o.Root, runRoot: o.RunRoot, lockTimeout: 30 * time.Second}
	report := os.NewFile(3, "report")
	s := &shim{e: e, report: report, log: os.Stderr}
	err := s.run(o)
	if err != nil {
		s.fail(err)
	}
	return err
}

func (s *shim) say(format string, a ...any) {
	if s.report != nil {
		fmt.Fprintf(s.report, format+"\n", a...)
	}
}

// callerGone closes gone when the starter's end of the report pipe is
// closed (the starter died: a pipe's write end then polls POLLERR), until
// stop is closed. It polls a dup of the fd, so closing the report meanwhile
// is safe.
func callerGone(report *os.File) (gone, stop chan struct{}) {
	gone, stop = make(chan struct{}), make(chan struct{})
	if report == nil {
		return gone, stop
	}
	fd, err := unix.FcntlInt(report.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return gone, stop
	}
	go func() {
		defer unix.Close(fd)
		for {
			select {
			case <-stop:
				return
			default:
			}
			p := []unix.PollFd{{Fd: int32(fd)}}
			if n, err := unix.Poll(p, 100); err == nil && n > 0 && p[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
				close(gone)
				return
			}
		}
	}()
	return gone, stop
}

// fail reports a start failure to the starter and records it in the state.
func (s *shim) fail(err error) {
	code := 125
	var ce codedError
	if errors.As(err, &ce) {
		code = ce.code
	}
	msg := strings.ReplaceAll(strings.TrimSpace(errdefs.Text(err)), "\n", "; ")
	if s.r != nil {
		// As docker: a container that never ran stays "created", one
		// that ran before stays "exited", with the exit code and the
		// reason recorded. Another shim's running container (a start that
		// lost a race) is left alone.
		err := s.record("start failure", func(st *state) error {
			if st.running() {
				return errAlreadyRunning
			}
			st.ExitCode, st.Error, st.Pid = code, msg, 0
			st.ShimPid, st.ShimStart = 0, 0
			return nil
		})
		if err == nil {
			s.e.unmarkLive(s.r.ID)
		}
	}
	s.say("err %d %s", code, msg)
}

var errAlreadyRunning = errors.New("already running")

type codedError struct {
	code int
	err  error
}

func (c codedError) Error() string { return c.err.Error() }
func (c codedError) Unwrap() error { return c.err }

func (s *shim) run(o ShimOptions) error {
	e := s.e
	go warmCgroupAttach()
	strays := make(chan struct{})
	defer close(strays)
	var initPid atomic.Int64 // the container's init, which proc.Wait reaps
	go reapStrays(strays, func(pid int) bool { return int64(pid) == initPid.Load() })
	r, err := e.loadRecord(o.ID)
	if err != nil {
		return err
	}
	s.r = r
	rd := e.runDir(r.ID)
	if err := os.MkdirAll(rd, 0o700); err != nil {
		return err
	}
	// A container removed while this shim waited for its lock (rm holds
	// it while it removes): the run directory made above is nobody's.
	defer func() {
		if _, err := os.Stat(e.containerDir(r.ID)); isNotExist(err) {
			e.purgeRunDir(r.ID)
		}
	}()
	// Held for the shim's whole life: Wait blocks on it.
	// A shim that is cleaning up after the last run holds it briefly.
	lk, err := lockfile.Acquire(filepath.Join(rd, "shim.lock"), 10*time.Second)
	if err != nil {
		return fmt.Errorf("container %s is busy: %v", r.Name, err)
	}
	defer lk.Unlock()
	// rm removes a container only while it holds this lock: one that is
	// still here now stays until this shim lets go.
	if _, err := os.Stat(e.containerDir(r.ID)); err != nil {
		return fmt.Errorf("container %s: %w", r.ID[:12], err)
	}
	if err := e.markLive(r.ID); err != nil {
		return fmt.Errorf("container %s: live registry: %w", r.Name, err)
	}
	if _, err := e.updateState(r.ID, func(st *state) error {
		if st.running() {
			return fmt.Errorf("container %s is already running: %w", r.ID[:12], errdefs.ErrFailedPrecondition)
		}
		st.ShimPid, st.ShimStart = os.Getpid(), inspect.StartTime(os.Getpid())
		return nil
	}); err != nil {
		return err
	}

	logw, err := e.openContainerLog(r)
	if err != nil {
		return err
	}
	defer logw.Close()
	s.out = newBroadcaster(logw)

	sock := e.sockPath(r.ID)
	os.Remove(sock)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return fmt.Errorf("attach socket: %w", err)
	}
	defer os.Remove(sock)
	defer ln.Close()
	firstClient := make(chan struct{})
	go s.serve(ln, firstClient)
	if o.WaitAttach {
		s.say("listening")
		gone, stop := callerGone(s.report)
		select {
		case <-firstClient:
		case <-gone:
			// A killed `run` or build: nobody will attach, and the
			// container stays created (rm needs no force).
			close(stop)
			return fmt.Errorf("container %s: the caller that was to attach is gone", r.ID[:12])
		case <-time.After(30 * time.Second):
			close(stop)
			return fmt.Errorf("container %s: no attach client connected", r.ID[:12])
		}
		close(stop)
	}

	proc, cleanup, err := s.start()
	if err != nil {
		return err
	}
	pid, _ := proc.Pid()
	initPid.Store(int64(pid))
	started := time.Now().UTC()
	if _, err := e.updateState(r.ID, func(st *state) error {
		st.Status, st.Pid, st.StartedAt = container.Running, pid, started
		st.ExitCode, st.Error, st.OOMKilled, st.FinishedAt, st.StopRequest = 0, "", false, time.Time{}, false
		st.RestartCount, st.MemoryPeak = 0, 0
		return nil
	}); err != nil {
		s.ctr.Signal(unix.SIGKILL)
		proc.Wait()
		cleanup()
		return err
	}
	s.releaseVolumeLocks()
	e.emit(containerEvent("start", r, nil))
	health := s.startHealth(s.ctr, started)
	s.say("ok %d", pid)
	s.report.Close()
	s.report = nil

	// Signals to the shim go to the container; between restarts they end
	// the shim (the container is not running then).
	sigs := make(chan os.Signal, 8)
	wake := make(chan struct{}, 1)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
	go func() {
		for sig := range sigs {
			s.mu.Lock()
			ctr := s.ctr
			s.mu.Unlock()
			if ctr != nil {
				ctr.Signal(sig)
			} else {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()

	var bo backoff
	code, exitSent := 0, false
	// recorded stays true while every change of the state was written;
	// if one was not, the live registry keeps the container for reconcile.
	recorded := true
	for {
		ps, _ := proc.Wait()
		health.stop()
		code = waitStatusCode(ps)
		oom := s.oomKilled()
		s.out.drain(2 * time.Second)
		finished, restart := time.Now().UTC(), false
		if !r.Host.AutoRemove { // a --rm container is removed next (below)
			peak := s.memoryPeak()
			policy := r.Host.RestartPolicy
			if cur, err := e.loadRecord(r.ID); err == nil {
				policy = cur.Host.RestartPolicy // `berth update --restart` meanwhile
			}
			if err := s.record("exit", func(st *state) error {
				restart = shouldRestart(policy, code, st.RestartCount, st.StopRequest)
				st.Pid, st.ExitCode, st.OOMKilled, st.FinishedAt, st.MemoryPeak = 0, code, oom, finished, peak
				// The shim stays recorded until it has cleaned up: Wait,
				// rm and a new shim wait for it.
				st.Status = container.Exited
				if restart {
					st.Status = container.Restarting
					st.RestartCount++
				}
				return nil
			}); err != nil {
				recorded = false
			}
		}
		if oom {
			e.emit(containerEvent("oom", r, nil))
		}
		e.emit(containerEvent("die", r, map[string]string{"exitCode": strconv.Itoa(code)}))
		if r.Host.AutoRemove {
			break // no restart policy goes with --rm
		}
		if !restart {
			// A foreground run returns now; the clean-up follows.
			s.out.exit(code)
			exitSent = true
		}
		s.mu.Lock()
		cleanup()
		s.ctr = nil
		s.mu.Unlock()
		if !restart {
			break
		}
		if !s.restartDelay(bo.next(finished.Sub(started)), wake) {
			if err := s.record("stop while restarting", func(st *state) error {
				st.Status, st.ShimPid, st.ShimStart = container.Exited, 0, 0
				return nil
			}); err != nil {
				recorded = false
			}
			break
		}
		s.out.reset()
		if proc, cleanup, err = s.start(); err != nil {
			if err := s.record("failed restart", func(st *state) error {
				st.Status, st.ShimPid, st.ShimStart, st.Error = container.Exited, 0, 0, "restart: "+oneLineErr(err)
				return nil
			}); err != nil {
				recorded = false
			}
			break
		}
		pid, _ = proc.Pid()
		initPid.Store(int64(pid))
		started = time.Now().UTC()
		if err := s.record("restart", func(st *state) error {
			st.Status, st.Pid, st.StartedAt, st.OOMKilled = container.Running, pid, started, false
			return nil
		}); err != nil {
			recorded = false
		}
		s.releaseVolumeLocks()
		e.emit(containerEvent("start", r, nil))
		health = s.startHealth(s.ctr, started)
	}
	signal.Stop(sigs)
	if r.Host.AutoRemove {
		// docker's `run --rm` returns once the container is gone (its
		// name and anonymous volumes free); its mounts, cgroups and files
		// go after that.
		purge, err := e.unlinkContainer(r, true)
		if err != nil {
			// Still listed: the next Open removes it (reconcile).
			s.logf("container %s: removing (--rm): %v", r.ID[:12], err)
		} else {
			e.unmarkLive(r.ID)
		}
		s.out.exit(code)
		s.mu.Lock()
		cleanup()
		s.ctr = nil
		s.mu.Unlock()
		purge()
		return nil
	}
	if err := s.record("shim end", func(st *state) error {
		st.ShimPid, st.ShimStart = 0, 0
		return nil
	}); err == nil && recorded {
		e.unmarkLive(r.ID)
	}
	if !exitSent {
		s.out.exit(code)
	}
	return nil
}

// restartDelay waits before a restart. It returns false when the wait was
// cut short by a signal to the shim or by a stop (or kill) of the user,
// recorded in the container's state: then the container stays exited.
func (s *shim) restartDelay(d time.Duration, wake <-chan struct{}) bool {
	deadline := time.Now().Add(d)
	for {
		if st, err := s.e.loadState(s.r.ID); err == nil && st.StopRequest {
			return false
		}
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		select {
		case <-wake:
			return false
		case <-time.After(min(left, 50*time.Millisecond)):
		}
	}
}

// oomKilled reads the container's memory cgroup: did the kernel OOM-kill
// anything in it?
func (s *shim) oomKilled() bool {
	st, err := s.ctr.State()
	if err != nil {
		return false
	}
	return inspect.OOMKills(st.CgroupPaths) > 0
}

// memoryPeak reads the high-water mark of the container's memory cgroup
// while it still exists, for the crash report.
func (s *shim) memoryPeak() uint64 {
	st, err := s.ctr.State()
	if err != nil {
		return 0
	}
	return inspect.MemoryPeak(st.CgroupPaths)
}

// start mounts the rootfs and starts the container's init process. cleanup
// undoes both.
func (s *shim) start() (*libcontainer.Process, func(), error) {
	e, r := s.e, s.r
	merged := filepath.Join(e.runDir(r.ID), "merged")
	initLayer, err := e.initLayer(r.ID)
	if err != nil {
		return nil, nil, err
	}
	if err := e.mountRootfs(r, append([]string{initLayer}, r.LowerDirs...), filepath.Join(e.containerDir(r.ID), "upper"), filepath.Join(e.containerDir(r.ID), "work"), merged); err != nil {
		return nil, nil, err
	}
	if r.Host.IDMappings != nil {
		if err := usernsRunDirs(e.runRoot, merged); err != nil {
			unmount(merged)
			return nil, nil, err
		}
	}
	s.merged = merged
	detach := func() error { return nil }
	cleanup := func() {
		if s.ctr != nil {
			s.ctr.Destroy()
		}
		if err := detach(); err != nil {
			s.logf("%v", err)
		}
		unmount(merged)
		unmount(e.shmDir(r.ID))
		s.releaseVolumeLocks()
		e.releaseVolumes(r)
	}
	ok := false
	defer func() {
		if !ok {
			cleanup()
		}
	}()
	links, err := e.linkEnv(r)
	if err != nil {
		return nil, nil, err
	}
	pspec, err := processSpec(merged, append([]string{r.Path}, r.Args...), withLinkEnv(links, r.Config.Env), r.Config.User, r.Config.WorkingDir, r.Config.Tty)
	if err != nil {
		return nil, nil, err
	}
	if detach, err = e.attachNetworks(r); err != nil {
		detach = func() error { return nil }
		return nil, nil, err
	}
	if s.volLocks, err = e.mountVolumes(r); err != nil {
		return nil, nil, err
	}
	if err := copyUpVolumes(r, merged); err != nil {
		return nil, nil, err
	}
	if err := e.mountShm(r); err != nil {
		return nil, nil, err
	}
	spec, err := e.ociSpec(r, merged, pspec)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := libcontainerConfig(r.ID, spec)
	if err != nil {
		return nil, nil, err
	}
	// Not fatal: with nothing staged, init compiles the profile itself.
	_ = seccompcache.Stage(e.seccompCacheDir(), e.runDir(r.ID), cfg.Seccomp)
	destroyStale(e.stateRoot(), r.ID)
	ctr, err := libcontainer.Create(e.stateRoot(), r.ID, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("container %s: %w", r.ID[:12], err)
	}
	s.mu.Lock()
	s.ctr = ctr
	s.mu.Unlock()
	proc, err := s.newProcess(pspec)
	if err != nil {
		return nil, nil, err
	}
	if err := ctr.Run(proc); err != nil {
		s.out.closeInputs()
		return nil, nil, codedError{startExitCode(err), errors.New(startError(err))}
	}
	if err := s.out.afterStart(); err != nil {
		ctr.Signal(unix.SIGKILL)
		proc.Wait()
		return nil, nil, err
	}
	ok = true
	return proc, cleanup, nil
}

// destroyStale removes libcontainer state left by a shim that died.
func destroyStale(stateRoot, id string) {
	if c, err := libcontainer.Load(stateRoot, id); err == nil {
		killAndDestroy(c)
	}
}

// killAndDestroy kills a container nobody supervises any more and removes
// its libcontainer state and cgroups. It reports whether the container's
// init was still there. A frozen container is thawed first (SIGKILL to a
// frozen task waits for the thaw), and the init's exit is awaited before
// Destroy, which refuses a container whose init still runs: SIGKILL is
// delivered asynchronously, so destroying right after it left the state
// (and the cgroups) behind.
func killAndDestroy(c *libcontainer.Container) (wasRunning bool) {
	status, err := c.Status()
	if err == nil && status != libcontainer.Stopped {
		wasRunning = true
		if status == libcontainer.Paused {
			c.Resume()
		}
		c.Signal(unix.SIGKILL)
		if st, err := c.State(); err == nil && st.InitProcessPid > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			waitExit(ctx, st.InitProcessPid, st.InitProcessStartTime)
			cancel()
		}
	}
	c.Destroy()
	return wasRunning
}
