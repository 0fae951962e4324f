package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestTarTreeConfined: a container's tree is archived through its root
// handle: names relative to the archive's top, symbolic links kept as
// links (never followed out of the root), sockets left out.
func TestTarTreeConfined(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("host"), 0o600)
	os.MkdirAll(filepath.Join(root, "d", "sub"), 0o755)
	os.WriteFile(filepath.Join(root, "d", "f"), []byte("data"), 0o644)
	os.Symlink(outside, filepath.Join(root, "d", "out"))
	rt, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tarTree(tw, rt, "d", "d", nil); err != nil {
		t.Fatalf("tarTree = %v", err)
	}
	tw.Close()
	var names []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name == "d/out" && (h.Typeflag != tar.TypeSymlink || h.Linkname != outside) {
			t.Errorf("d/out = %+v, want the symbolic link itself", h)
		}
		if b, _ := io.ReadAll(tr); strings.Contains(string(b), "host") {
			t.Errorf("archive holds the host's file through %s", h.Name)
		}
	}
	slices.Sort(names)
	if want := []string{"d/", "d/f", "d/out", "d/sub/"}; !slices.Equal(names, want) {
		t.Errorf("archive names = %q, want %q", names, want)
	}
}

// TestCopyUp: an empty volume gets what the image has at its mount point,
// once; a volume with content is left as it is.
func TestCopyUp(t *testing.T) {
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "data", "d"), 0o755)
	os.WriteFile(filepath.Join(rootfs, "data", "seed"), []byte("seed"), 0o644)
	vol := filepath.Join(t.TempDir(), "v", "_data")
	os.MkdirAll(vol, 0o755)
	if err := copyUp(rootfs, "/data", vol, nil); err != nil {
		t.Fatalf("copyUp = %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(vol, "seed")); err != nil || string(b) != "seed" {
		t.Fatalf("volume seed = %q, %v", b, err)
	}
	os.WriteFile(filepath.Join(rootfs, "data", "later"), nil, 0o644)
	if err := copyUp(rootfs, "/data", vol, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(vol, "later")); err == nil {
		t.Errorf("copyUp copied into a volume that had content")
	}
	empty := filepath.Join(t.TempDir(), "w", "_data")
	os.MkdirAll(empty, 0o755)
	if err := copyUp(rootfs, "/nothing-here", empty, nil); err != nil {
		t.Errorf("copyUp of a missing path = %v", err)
	}
	if short(strings.Repeat("a", 64)) != "aaaaaaaaaaaa" || short("named") != "named" {
		t.Errorf("short() does not shorten IDs only")
	}
}

// TestExitHelpers: the exit codes docker reports and the wait decisions.
func TestExitHelpers(t *testing.T) {
	cmd := exec.Command("sh", "-c", "exit 3")
	cmd.Run()
	if got := waitStatusCode(cmd.ProcessState); got != 3 {
		t.Errorf("waitStatusCode(exit 3) = %d", got)
	}
	cmd = exec.Command("sleep", "30")
	cmd.Start()
	cmd.Process.Signal(unix.SIGKILL)
	cmd.Wait()
	if got := waitStatusCode(cmd.ProcessState); got != 137 {
		t.Errorf("waitStatusCode(SIGKILL) = %d, want 137", got)
	}
	if got := waitStatusCode(nil); got != 255 {
		t.Errorf("waitStatusCode(nil) = %d", got)
	}
	if got := startError(errors.New(`unable to start container process: exec: "nope": executable file not found in $PATH: unknown`)); got != `exec: "nope": executable file not found in $PATH` {
		t.Errorf("startError = %q", got)
	}
	now := time.Now()
	if exitedSince(&state{}, time.Time{}) || !exitedSince(&state{FinishedAt: now}, now.Add(-time.Second)) || exitedSince(&state{FinishedAt: now}, now) {
		t.Errorf("exitedSince is wrong")
	}
	for p, want := range map[string]bool{"": false, "no": false, "always": true, "on-failure": true, "unless-stopped": true} {
		if restarts(RestartPolicy{Name: p}) != want {
			t.Errorf("restarts(%q) = %v", p, !want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pause(ctx, time.Hour) // returns at once: the context has ended
}

// TestUnitEventsFilter: the engine records what it does as events; a
// filter selects by match and time.
func TestUnitEventsFilter(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	start := time.Now().Add(-time.Second)
	id := mustCreate(t, e, noNet("ev"))
	e.Rename("ev", "ev2")
	e.Remove(context.Background(), id, false)
	var actions []string
	err := e.Events(context.Background(), EventFilter{Since: start, Match: func(ev Event) bool { return ev.Type == "container" }}, func(ev Event) error {
		actions = append(actions, ev.Action)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(actions, []string{"create", "rename", "destroy"}) {
		t.Errorf("container events = %v, want create, rename, destroy", actions)
	}
	var n int
	e.Events(context.Background(), EventFilter{Until: start}, func(Event) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d events before the test began", n)
	}
	stop := errors.New("stop")
	if err := e.Events(context.Background(), EventFilter{}, func(Event) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Events passes on the callback's error: got %v", err)
	}
}

// TestUnitNotRunningVerbs: attach, exec, kill, pause and the debug
// sidecar refuse a container that does not run, naming it.
func TestUnitNotRunningVerbs(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	mustCreate(t, e, noNet("idle"))
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"Attach": func() error { _, err := e.Attach(ctx, "idle", Streams{}); return err },
		"Exec":   func() error { _, err := e.Exec(ctx, "idle", ExecOptions{Cmd: []string{"true"}}, Streams{}); return err },
		"Ports":  func() error { _, err := e.Ports("ghost"); return err },
		"Debug":  func() error { _, _, err := e.Debug(ctx, "ghost", DebugOptions{}, Streams{}); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s on a container that is not running succeeded", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error of more than one line: %q", name, err)
		}
	}
	if _, err := e.Ports("idle"); !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("Ports(idle) = %v, want ErrFailedPrecondition", err)
	}
	if _, err := e.Exec(ctx, "idle", ExecOptions{Cmd: []string{"true"}}, Streams{}); !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("Exec(idle) = %v, want ErrFailedPrecondition", err)
	}
}
