package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/lockfile"
)

// TestCopyTreeKeepsTypes: a copy keeps directories, files with their
// modes, symbolic links as links and FIFOs, and replaces what is in the
// way unless both are directories.
func TestCopyTreeKeepsTypes(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "d", "sub"), 0o750)
	os.WriteFile(filepath.Join(src, "d", "f"), []byte("body"), 0o640)
	os.Chmod(filepath.Join(src, "d", "f"), os.ModeSetuid|0o755)
	os.Symlink("../elsewhere", filepath.Join(src, "d", "link"))
	if err := mkfifo(filepath.Join(src, "d", "fifo")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(filepath.Join(dst, "sub"), 0o700)
	os.WriteFile(filepath.Join(dst, "link"), []byte("in the way"), 0o600)
	if err := copyTree(hostTree{}, filepath.Join(src, "d"), hostTree{}, dst, false, -1); err != nil {
		t.Fatalf("copyTree = %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "f")); err != nil || string(b) != "body" {
		t.Errorf("f = %q, %v", b, err)
	}
	if fi, _ := os.Stat(filepath.Join(dst, "f")); fi.Mode()&(os.ModePerm|os.ModeSetuid) != 0o755|os.ModeSetuid {
		t.Errorf("f mode = %v, want setuid 0755", fi.Mode())
	}
	if target, err := os.Readlink(filepath.Join(dst, "link")); err != nil || target != "../elsewhere" {
		t.Errorf("link = %q, %v; want the symbolic link copied as one", target, err)
	}
	if fi, err := os.Lstat(filepath.Join(dst, "fifo")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("fifo = %v, %v", fi, err)
	}
	if fi, _ := os.Stat(filepath.Join(dst, "sub")); fi.Mode().Perm() != 0o750 {
		t.Errorf("sub mode = %v, want 0750 from the source", fi.Mode())
	}
}

// TestCopyIntoRootStaysInside: copying into a container's root through
// the root-confined tree never writes outside it, whatever symbolic links
// the container has put on the way.
func TestCopyIntoRootStaysInside(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(root, "abs"))
	os.Symlink("../../../../../../../"+outside, filepath.Join(root, "rel"))
	src := filepath.Join(t.TempDir(), "payload")
	os.WriteFile(src, []byte("x"), 0o644)
	rt, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, dst := range []string{"abs/payload", "rel/payload"} {
		copyTree(hostTree{}, src, rootTree{rt}, dst, false, -1)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Fatalf("copy into the root wrote %v outside it", ents)
	}
	r2, rel, err := containerPath(root, "/abs/../../etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	r2.Close()
	if strings.HasPrefix(rel, "..") {
		t.Errorf("containerPath resolved to %q, outside the root", rel)
	}
}

func TestCopyTarget(t *testing.T) {
	d := t.TempDir()
	os.Mkdir(filepath.Join(d, "dir"), 0o755)
	os.WriteFile(filepath.Join(d, "file"), nil, 0o644)
	for _, c := range []struct {
		dst      string
		contents bool
		want     string
		err      error
	}{
		{filepath.Join(d, "dir"), false, filepath.Join(d, "dir", "base"), nil},
		{filepath.Join(d, "dir"), true, filepath.Join(d, "dir"), nil},
		{filepath.Join(d, "file"), false, filepath.Join(d, "file"), nil},
		{filepath.Join(d, "new"), false, filepath.Join(d, "new"), nil},
		{filepath.Join(d, "new") + "/", false, "", errdefs.ErrNotFound},
		{filepath.Join(d, "no", "new"), false, "", errdefs.ErrNotFound},
	} {
		got, err := copyTarget(hostTree{}, c.dst, "base", c.contents)
		if got != c.want || !errors.Is(err, c.err) && !(err == nil && c.err == nil) {
			t.Errorf("copyTarget(%s, contents %v) = %q, %v; want %q, %v", c.dst, c.contents, got, err, c.want, c.err)
		}
	}
}

// TestWaitExit: waitExit returns once the process has ended, and with the
// context's error when that ends first; waitForUnlock returns when the
// lock is released.
func TestWaitExit(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	start := inspect.StartTime(pid)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	short, stop := context.WithCancel(ctx)
	stop()
	if err := waitExit(short, pid, start); !errors.Is(err, context.Canceled) {
		t.Errorf("waitExit(cancelled) = %v", err)
	}
	if err := pollExit(short, pid, start); !errors.Is(err, context.Canceled) {
		t.Errorf("pollExit(cancelled) = %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- waitExit(ctx, pid, start) }()
	cmd.Process.Kill()
	cmd.Wait()
	if err := <-done; err != nil {
		t.Errorf("waitExit = %v", err)
	}
	if err := pollExit(ctx, pid, start); err != nil {
		t.Errorf("pollExit of an ended process = %v", err)
	}
	if err := waitExit(ctx, pid, start); err != nil {
		t.Errorf("waitExit of an ended process = %v", err)
	}

	path := filepath.Join(t.TempDir(), "lock")
	l, err := lockfile.Acquire(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- waitForUnlock(ctx, path) }()
	l.Unlock()
	if err := <-got; err != nil {
		t.Errorf("waitForUnlock = %v", err)
	}
	if err := waitForUnlock(ctx, filepath.Join(t.TempDir(), "none")); err != nil {
		t.Errorf("waitForUnlock(no file) = %v", err)
	}
}

// TestHealthTransitions: a container's health starts "starting", turns
// healthy on a passing check, unhealthy after retries failures in a row
// (not counted during the start period), healthy again on a pass; the
// log keeps the last entries only.
func TestHealthTransitions(t *testing.T) {
	s, _ := testShim(t, container.Running)
	status := func() *Health {
		st, err := s.e.loadState(s.r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st.Health
	}
	fail, pass := HealthLog{ExitCode: 1}, HealthLog{ExitCode: 0}
	s.applyHealth(fail, true, 2)
	if h := status(); h.Status != HealthStarting || h.FailingStreak != 0 {
		t.Errorf("failure in the start period: %+v, want starting, no streak", h)
	}
	s.applyHealth(pass, false, 2)
	if h := status(); h.Status != HealthHealthy {
		t.Errorf("after a pass: %q", h.Status)
	}
	s.applyHealth(fail, false, 2)
	if h := status(); h.Status != HealthHealthy || h.FailingStreak != 1 {
		t.Errorf("after one failure of 2 retries: %+v", h)
	}
	s.applyHealth(fail, false, 2)
	if h := status(); h.Status != HealthUnhealthy || h.FailingStreak != 2 {
		t.Errorf("after two failures of 2 retries: %+v", h)
	}
	s.applyHealth(pass, false, 2)
	if h := status(); h.Status != HealthHealthy || h.FailingStreak != 0 {
		t.Errorf("after a pass: %+v", h)
	}
	for i := 0; i < 10; i++ {
		s.applyHealth(pass, false, 2)
	}
	if h := status(); len(h.Log) != healthLogEntries {
		t.Errorf("health log keeps %d entries, want %d", len(h.Log), healthLogEntries)
	}
	var lb limitedBuffer
	lb.max = 4
	lb.Write([]byte("abc"))
	if n, _ := lb.Write([]byte("def")); n != 3 || lb.String() != "abcd" {
		t.Errorf("limitedBuffer = %q (n %d), want the first 4 bytes", lb.String(), n)
	}
}

// TestUnitCommit: commit makes an image of the image's layers and one
// more holding the container's changes, with its config.
func TestUnitCommit(t *testing.T) {
	e := unitEngine(t)
	base := testImage(t, e, "unit:1")
	o := noNet("c")
	o.Env = []string{"NEW=1"}
	id := mustCreate(t, e, o)
	os.WriteFile(filepath.Join(e.containerDir(id), "upper", "added"), []byte("new file"), 0o644)
	img, err := e.Commit(context.Background(), "c", CommitOptions{Repo: "committed:1", Message: "msg", Changes: []string{"LABEL k=v"}})
	if err != nil {
		t.Fatalf("Commit = %v", err)
	}
	in, err := e.ImageInspect("committed:1")
	if err != nil || in.ID != img || len(in.RootFS.Layers) != 2 || in.Config.Labels["k"] != "v" {
		t.Fatalf("committed image = %+v, %v", in, err)
	}
	found := false
	for _, v := range in.Config.Env {
		found = found || v == "NEW=1"
	}
	if !found {
		t.Errorf("committed env = %v, want NEW=1", in.Config.Env)
	}
	var b strings.Builder
	if err := e.LayerCat("committed:1", 1, "/added", &b); err != nil || b.String() != "new file" {
		t.Errorf("committed layer /added = %q, %v", b.String(), err)
	}
	if img == base {
		t.Errorf("commit returned the base image")
	}
	if _, err := e.Commit(context.Background(), "c", CommitOptions{Changes: []string{"BOGUS x"}}); err == nil {
		t.Errorf("Commit with a bad change succeeded")
	}
}

func mkfifo(p string) error { return unix.Mkfifo(p, 0o644) }
