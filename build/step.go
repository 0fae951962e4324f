package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// baseImage is a stage's FROM image, pulled as the build's pull policy
// says (docker's build pulls a missing base; --pull asks the registry
// every time). The pull's lines go to the build's progress as output.
func (b *builder) baseImage(ctx context.Context, base string) (*layers.Image, error) {
	policy := b.o.Pull
	switch policy {
	case "", "missing":
		policy = "missing"
	case "always", "never":
	default:
		return nil, fmt.Errorf("invalid pull policy %q: must be one of always, missing, never: %w", b.o.Pull, errdefs.ErrInvalid)
	}
	if policy != "always" {
		img, err := b.e.Image(base)
		if err == nil || !errors.Is(err, errdefs.ErrNotFound) || policy == "never" {
			return img, err
		}
	}
	return b.e.Pull(ctx, base, func(line string) {
		b.progress(Event{Step: b.step, Total: b.total, Text: b.text, Status: "output", Output: line + "\n"})
	})
}

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
	w.b.progress(Event{Step: w.b.step, Total: w.b.total, Text: w.text, Status: "output", Output: s})
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
	id, err := b.e.Create(Container{Image: s.id(), Cmd: argv, Env: env,
		WorkingDir: s.cfg.WorkingDir, User: s.cfg.User, Network: b.o.Network})
	if err != nil {
		return nil, nil, err
	}
	remove := func() { b.e.Remove(id) }
	w := &progressWriter{b: b, text: b.text}
	code, err := b.e.Start(ctx, id, w)
	w.flush()
	if err != nil {
		remove()
		return nil, nil, err
	}
	if code != 0 {
		remove()
		return nil, nil, fmt.Errorf("exit code %d", code)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(layers.WriteUpperTar(pw, b.e.UpperDir(id))) }()
	return pr, func() { pr.CloseWithError(io.ErrClosedPipe); remove() }, nil
}

// imageRoot is img's root filesystem as a Root: its one layer directory,
// or a read-only overlay of its layers; opened once per build and closed
// (and unmounted) when the build ends.
func (b *builder) imageRoot(img *layers.Image) (*Root, error) {
	if r, ok := b.roots[img.ID]; ok {
		return r, nil
	}
	dirs, err := b.e.LowerDirs(img)
	if err != nil {
		return nil, err
	}
	dir, unmountFn := dirs[0], func() {}
	if len(dirs) > 1 {
		if dir, unmountFn, err = b.mountStage(dirs); err != nil {
			return nil, err
		}
	}
	root, err := OpenRoot(dir)
	if err != nil {
		unmountFn()
		return nil, err
	}
	b.cleanups = append(b.cleanups, func() { root.Close(); unmountFn() })
	if b.roots == nil {
		b.roots = map[string]*Root{}
	}
	b.roots[img.ID] = root
	return root, nil
}

// mountStage mounts a read-only overlay of an image's layers (lowerdir
// order) for COPY --from to read; the caller runs unmountFn when the
// build ends.
func (b *builder) mountStage(dirs []string) (dir string, unmountFn func(), err error) {
	base := b.e.MountDir()
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
	return dir, func() { unix.Unmount(dir, unix.MNT_DETACH); os.Remove(dir) }, nil
}
