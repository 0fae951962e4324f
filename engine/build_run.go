package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/layers"
)

// progressWriter turns a RUN's output into "output" events, one per
// complete line (stdout and stderr interleaved as written).
type progressWriter struct {
	b    *builder
	text string
	mu   sync.Mutex
	buf  []byte
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if i := bytes.LastIndexByte(w.buf, '\n'); i >= 0 {
		w.emit(string(w.buf[:i+1]))
		w.buf = append(w.buf[:0], w.buf[i+1:]...)
	}
	return len(p), nil
}

// flush sends a last line without a newline.
func (w *progressWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf) + "\n")
		w.buf = nil
	}
}

func (w *progressWriter) emit(s string) {
	w.b.progress(BuildEvent{Step: w.b.step, Total: w.b.total, Text: w.text, Status: "output", Output: s})
}

// run executes argv in a container on the stage's current image and
// returns its changes as a layer tarball; done removes the container.
// A non-zero exit is "exit code N"; the container is removed either way.
func (b *builder) run(ctx context.Context, s *stageState, argv, args []string) (io.Reader, func(), error) {
	env := append([]string(nil), s.cfg.Env...)
	for _, a := range args {
		k, _, _ := strings.Cut(a, "=")
		if !hasEnv(env, k) {
			env = append(env, a)
		}
	}
	empty := []string{}
	id, err := b.e.Create(CreateOptions{Image: s.id, Cmd: argv, Entrypoint: &empty, Env: env,
		WorkingDir: s.cfg.WorkingDir, User: s.cfg.User,
		Labels: map[string]string{"berth.build": "intermediate", buildPIDLabel: strconv.Itoa(os.Getpid())},
		Host:   HostConfig{NetworkMode: b.o.Network}})
	if err != nil {
		return nil, nil, err
	}
	remove := func() { b.e.RemoveWithVolumes(context.Background(), id, true, true) }
	w := &progressWriter{b: b, text: b.text}
	code, err := b.e.Start(ctx, id, &Streams{Stdout: w, Stderr: w})
	w.flush()
	if err != nil {
		remove()
		return nil, nil, err
	}
	if code != 0 {
		remove()
		return nil, nil, fmt.Errorf("exit code %d", code)
	}
	upper := filepath.Join(b.e.containerDir(id), "upper")
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(layers.WriteUpperTar(pw, upper)) }()
	return pr, func() { pr.CloseWithError(io.ErrClosedPipe); remove() }, nil
}

// mountStage mounts a read-only overlay of an image's layers (lowerdir
// order) for COPY --from to read; the caller runs unmountFn when the
// build ends.
func (b *builder) mountStage(dirs []string) (dir string, unmountFn func(), err error) {
	base := filepath.Join(b.e.runRoot, "build")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", nil, err
	}
	dir, err = os.MkdirTemp(base, "from-")
	if err != nil {
		return "", nil, err
	}
	opts := "lowerdir=" + strings.Join(dirs, ":")
	if err := unix.Mount("overlay", dir, "overlay", unix.MS_RDONLY, opts); err != nil {
		os.Remove(dir)
		return "", nil, fmt.Errorf("mounting the stage's layers: %v", err)
	}
	return dir, func() { unmount(dir); os.Remove(dir) }, nil
}

// buildPIDLabel names the process whose build made an intermediate
// container.
const buildPIDLabel = "berth.build.pid"

// sweepBuildContainers removes intermediate containers left by builds
// whose process died before it could (killed, SIGPIPE, power loss), once
// they have stopped.
func (e *Engine) sweepBuildContainers() {
	cs, err := e.List(true)
	if err != nil {
		return
	}
	for _, c := range cs {
		pid, err := strconv.Atoi(c.Labels[buildPIDLabel])
		if err != nil || c.Labels["berth.build"] != "intermediate" || (c.State != "exited" && c.State != "created" && c.State != "dead") {
			continue
		}
		if pid == os.Getpid() || unix.Kill(pid, 0) == nil {
			continue // its build is still running
		}
		e.RemoveWithVolumes(context.Background(), c.ID, true, true)
	}
}
