package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/lockfile"
)

// deadPid is a pid no process has (above the kernel's pid_max limit of
// 2^22), so inspect.Alive says no.
const deadPid = 1<<22 + 1

// TestAfterShimDeath: the exit recorded for a container whose shim died,
// and whether its policy restarts it.
func TestAfterShimDeath(t *testing.T) {
	for _, c := range []struct {
		policy      string
		autoRemove  bool
		stopped     bool
		initLive    bool
		wantCode    int
		wantRestart bool
	}{
		{"", false, false, false, 255, false},
		{"", false, false, true, 137, false},
		{"no", false, false, false, 255, false},
		{"on-failure", false, false, false, 255, false},
		{"always", false, false, false, 255, true},
		{"always", false, true, false, 255, false},
		{"unless-stopped", false, false, true, 137, true},
		{"unless-stopped", false, true, false, 255, false},
		{"", true, false, false, 255, false},
		{"always", true, false, false, 255, false},
	} {
		r := &record{Host: HostConfig{AutoRemove: c.autoRemove, RestartPolicy: RestartPolicy{Name: c.policy}}}
		code, msg, restart := afterShimDeath(r, &state{StopRequest: c.stopped}, c.initLive)
		if code != c.wantCode || restart != c.wantRestart || !strings.HasPrefix(msg, "shim died") {
			t.Errorf("afterShimDeath(policy %q, rm %v, stopped %v, init live %v) = %d, %q, %v; want %d, restart %v",
				c.policy, c.autoRemove, c.stopped, c.initLive, code, msg, restart, c.wantCode, c.wantRestart)
		}
	}
}

// TestRestartsAfterBoot: after a reboot "always" containers start again
// even when the user stopped them, "unless-stopped" ones unless the user
// did; never one that runs or was never started.
func TestRestartsAfterBoot(t *testing.T) {
	for _, c := range []struct {
		policy  string
		status  container.Status
		stopped bool
		want    bool
	}{
		{"always", container.Exited, false, true},
		{"always", container.Exited, true, true},
		{"unless-stopped", container.Exited, false, true},
		{"unless-stopped", container.Exited, true, false},
		{"on-failure", container.Exited, false, false},
		{"", container.Exited, false, false},
		{"always", container.Created, false, false},
		{"always", container.Running, false, false},
		{"always", container.Dead, false, true},
	} {
		if got := restartsAfterBoot(RestartPolicy{Name: c.policy}, &state{Status: c.status, StopRequest: c.stopped}); got != c.want {
			t.Errorf("restartsAfterBoot(%q, %s, stopped %v) = %v, want %v", c.policy, c.status, c.stopped, got, c.want)
		}
	}
}

// TestUnitReconcile: opening a store makes its recorded state true again.
// A container whose shim is gone is marked exited (255) and leaves the
// live registry; one whose shim died before recording itself is left as
// it was; a --rm one is removed; one whose shim holds its lock (starting)
// is not touched; leftovers of interrupted creates and removes and the
// runtime state of unknown containers are removed.
func TestUnitReconcile(t *testing.T) {
	dir := t.TempDir()
	e := openUnit(t, dir)
	testImage(t, e, "unit:1")
	dead := mustCreate(t, e, noNet("dead"))
	setState(t, e, dead, func(s *state) { running(s); s.ShimPid = deadPid; s.ShimStart = 1 })
	early := mustCreate(t, e, noNet("early"))
	rmOpts := noNet("rm")
	rmOpts.Host.AutoRemove = true
	rm := mustCreate(t, e, rmOpts)
	setState(t, e, rm, func(s *state) { running(s); s.ShimPid = deadPid; s.ShimStart = 1 })
	starting := mustCreate(t, e, noNet("starting"))
	setState(t, e, starting, func(s *state) { running(s); s.ShimPid = deadPid; s.ShimStart = 1 })
	for _, id := range []string{dead, early, rm, starting} {
		if err := e.markLive(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(e.runDir(starting), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := lockfile.Acquire(filepath.Join(e.runDir(starting), "shim.lock"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	ghost := strings.Repeat("9", 64)
	leftovers := []string{
		filepath.Join(e.containersDir(), ".tmp-"+ghost),
		filepath.Join(e.containersDir(), ".rm-"+ghost),
		filepath.Join(e.stateRoot(), ghost),
		filepath.Join(e.runRoot, "c", ghost),
	}
	for _, p := range leftovers {
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.markLive(ghost); err != nil {
		t.Fatal(err)
	}

	e = openUnit(t, dir) // reconciles
	st, err := e.loadState(dead)
	if err != nil || st.Status != container.Exited || st.ExitCode != 255 || st.ShimPid != 0 || !strings.Contains(st.Error, "shim died") {
		t.Errorf("dead shim: state = %+v, %v; want exited 255, shim cleared", st, err)
	}
	if st, err := e.loadState(early); err != nil || st.Status != container.Created {
		t.Errorf("shim that died before recording itself: state = %+v, %v; want created, unchanged", st, err)
	}
	if _, err := os.Stat(e.containerDir(rm)); !os.IsNotExist(err) {
		t.Errorf("--rm container with a dead shim still exists: %v", err)
	}
	if st, err := e.loadState(starting); err != nil || st.Status != container.Running || st.ShimPid != deadPid {
		t.Errorf("container whose shim holds its lock: state = %+v, %v; want it untouched", st, err)
	}
	live := e.liveIDs()
	if len(live) != 1 || live[0] != starting {
		t.Errorf("live registry = %v, want only the starting container", live)
	}
	for _, p := range leftovers {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("leftover %s still there: %v", p, err)
		}
	}
}

// TestUnitReconcileRunningWithoutShim: a container recorded running with
// no shim (ShimPid 0, its lock free) is marked exited 255 by the next Open;
// `stop` on it used to wait for ever for an exit nothing would record.
func TestUnitReconcileRunningWithoutShim(t *testing.T) {
	dir := t.TempDir()
	e := openUnit(t, dir)
	testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("orphan"))
	setState(t, e, id, func(s *state) { running(s); s.ShimPid, s.ShimStart, s.Pid = 0, 0, 0 })
	if err := e.markLive(id); err != nil {
		t.Fatal(err)
	}
	e = openUnit(t, dir)
	if st, err := e.loadState(id); err != nil || st.Status != container.Exited || st.ExitCode != 255 {
		t.Errorf("running without a shim: state = %+v, %v; want exited 255", st, err)
	}
}

// TestUnitReconcileAfterBoot: after a reboot (no boot mark in the run
// directory) every container is looked at, not only the live registry's.
func TestUnitReconcileAfterBoot(t *testing.T) {
	dir := t.TempDir()
	e := openUnit(t, dir)
	testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("c"))
	setState(t, e, id, func(s *state) { running(s); s.ShimPid = deadPid; s.ShimStart = 1 })
	// Not in the live registry: without a reboot it is not looked at.
	e = openUnit(t, dir)
	if st, _ := e.loadState(id); st.Status != container.Running {
		t.Fatalf("without a reboot, a container outside the live registry was reconciled: %+v", st)
	}
	if err := os.Remove(filepath.Join(e.runRoot, "booted")); err != nil {
		t.Fatal(err)
	}
	e = openUnit(t, dir)
	if st, err := e.loadState(id); err != nil || st.Status != container.Exited {
		t.Errorf("after a reboot: state = %+v, %v; want exited", st, err)
	}
	if _, err := os.Stat(filepath.Join(e.runRoot, "booted")); err != nil {
		t.Errorf("boot mark not written again: %v", err)
	}
}
