package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/container"
	"github.com/berthdev/berth/internal/errdefs"
)

// setState changes a container's recorded state as its shim would.
func setState(t *testing.T, e *Engine, id string, change func(*state)) {
	t.Helper()
	if _, err := e.updateState(id, func(s *state) error { change(s); return nil }); err != nil {
		t.Fatalf("updateState(%s) = %v", id, err)
	}
}

func exited(code int) func(*state) {
	return func(s *state) {
		s.Status, s.ExitCode = container.Exited, code
		s.StartedAt = time.Now().Add(-time.Hour)
		s.FinishedAt = time.Now().Add(-time.Minute)
	}
}

// running records a container as running under a shim that is not alive
// (pid 0): enough for the checks that read the state.
func running(s *state) {
	s.Status, s.Pid, s.StartedAt = container.Running, 0, time.Now().Add(-time.Minute)
}

func noNet(name string) CreateOptions {
	return CreateOptions{Name: name, Image: "unit:1", Host: HostConfig{NetworkMode: "none"}}
}

func names(list []ContainerSummary) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Names...)
	}
	slices.Sort(out)
	return out
}

// TestUnitListStates: ps lists running containers, ps -a every one, each
// with docker's STATUS line for its state.
func TestUnitListStates(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	created := mustCreate(t, e, noNet("created"))
	_ = created
	up := mustCreate(t, e, noNet("up"))
	setState(t, e, up, running)
	down := mustCreate(t, e, noNet("down"))
	setState(t, e, down, running)
	setState(t, e, down, exited(3))
	paused := mustCreate(t, e, noNet("paused"))
	setState(t, e, paused, running)
	setState(t, e, paused, func(s *state) { s.Status = container.Paused })
	restarting := mustCreate(t, e, noNet("restarting"))
	setState(t, e, restarting, running)
	setState(t, e, restarting, func(s *state) {
		s.Status, s.ExitCode, s.FinishedAt = container.Restarting, 1, time.Now().Add(-time.Minute)
	})

	list, err := e.List(false)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(list); !slices.Equal(got, []string{"paused", "restarting", "up"}) {
		t.Errorf("List(false) = %v, want the running, paused and restarting ones", got)
	}
	all, err := e.List(true)
	if err != nil || len(all) != 5 {
		t.Fatalf("List(true) = %d, %v", len(all), err)
	}
	want := map[string]string{"created": "Created", "up": "Up ", "down": "Exited (3) ", "paused": "(Paused)", "restarting": "Restarting (1) "}
	for _, c := range all {
		if w := want[c.Names[0]]; !strings.Contains(c.Status, w) {
			t.Errorf("%s: Status = %q, want it to contain %q", c.Names[0], c.Status, w)
		}
	}
	if st := statusLine(&state{Status: container.Exited, ExitCode: 2}); st != "Exited (2)" {
		t.Errorf("statusLine(exited, no finish time) = %q", st)
	}
	if st := statusLine(&state{Status: container.Dead}); st != "Dead" {
		t.Errorf("statusLine(dead) = %q", st)
	}
	// Newest first.
	for i := 1; i < len(all); i++ {
		if all[i].Created.After(all[i-1].Created) {
			t.Errorf("List(true) is not newest first: %v before %v", all[i-1].Created, all[i].Created)
		}
	}
}

// TestUnitLifecycleRefusals: verbs that need a running container refuse a
// stopped one with ErrFailedPrecondition naming it; remove refuses a
// running one unless forced; pause and unpause check the state.
func TestUnitLifecycleRefusals(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	mustCreate(t, e, noNet("idle"))
	up := mustCreate(t, e, noNet("up"))
	setState(t, e, up, running)
	p := mustCreate(t, e, noNet("p"))
	setState(t, e, p, running)
	setState(t, e, p, func(s *state) { s.Status = container.Paused })
	r := mustCreate(t, e, noNet("r"))
	setState(t, e, r, running)
	setState(t, e, r, func(s *state) { s.Status = container.Restarting })
	ctx := context.Background()
	for _, c := range []struct {
		what string
		err  error
		want string
	}{
		{"kill idle", e.Kill("idle", unix.SIGTERM), "idle is not running"},
		{"pause idle", e.Pause("idle"), "idle is not running"},
		{"unpause up", e.Unpause("up"), "up is not paused"},
		{"pause p", e.Pause("p"), "p is already paused"},
		{"kill r", e.Kill("r", unix.SIGTERM), "r is restarting"},
		{"remove up", e.Remove(ctx, "up", false), "stop the container before removing"},
		{"top idle", func() error { _, err := e.Top("idle"); return err }(), "idle is not running"},
	} {
		if !errors.Is(c.err, errdefs.ErrFailedPrecondition) || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s = %v, want ErrFailedPrecondition saying %q", c.what, c.err, c.want)
		}
	}
	for _, ref := range []string{"ghost", strings.Repeat("f", 64)} {
		if _, err := e.Inspect(ref); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("Inspect(%q) = %v, want ErrNotFound", ref, err)
		}
	}
	if _, err := e.Inspect(""); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("Inspect(\"\") = %v, want ErrInvalid", err)
	}
}

// TestUnitRenameAndResolve: a container is found by name, full ID and
// unique ID prefix; rename moves the name (the old one is free, a taken
// or invalid one is refused); remove frees the name.
func TestUnitRenameAndResolve(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	a := mustCreate(t, e, noNet("one"))
	mustCreate(t, e, noNet("two"))
	for _, ref := range []string{"one", "/one", a, a[:12]} {
		if r, err := e.resolve(ref); err != nil || r.ID != a {
			t.Errorf("resolve(%q) = %v, %v; want %s", ref, r, err, a[:12])
		}
	}
	if err := e.Rename("one", "two"); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Errorf("Rename(one, two) = %v, want ErrAlreadyExists", err)
	}
	if err := e.Rename("one", "bad name!"); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("Rename(one, 'bad name!') = %v, want ErrInvalid", err)
	}
	if err := e.Rename("one", "three"); err != nil {
		t.Fatalf("Rename(one, three) = %v", err)
	}
	if _, err := e.resolve("one"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("after rename resolve(one) = %v, want ErrNotFound", err)
	}
	mustCreate(t, e, noNet("one")) // the old name is free again
	if err := e.Remove(context.Background(), "three", false); err != nil {
		t.Fatalf("Remove(three) = %v", err)
	}
	if _, err := os.Stat(e.containerDir(a)); !os.IsNotExist(err) {
		t.Errorf("Remove(three) left %s: %v", e.containerDir(a), err)
	}
	mustCreate(t, e, noNet("three"))
	if err := e.Remove(context.Background(), "three", false); err != nil {
		t.Fatalf("Remove(three) = %v", err)
	}
}

// TestUnitRemoveVolumes: rm -v removes the container's anonymous volumes
// and keeps named ones; a volume in use cannot be removed, and volume
// prune keeps the used and (without all) the named ones.
func TestUnitRemoveVolumes(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1", `CMD ["/bin/true"]`, "VOLUME /data")
	o := noNet("v")
	o.Host.Binds = []string{"keep:/keep"}
	id := mustCreate(t, e, o)
	in, err := e.Inspect(id)
	if err != nil {
		t.Fatal(err)
	}
	var anon string
	for _, m := range in.Mounts {
		if m.Destination == "/data" {
			anon = m.Name
		}
	}
	if anon == "" {
		t.Fatalf("image VOLUME /data has no anonymous volume: %+v", in.Mounts)
	}
	// The image's content of /data is copied into the volume at start,
	// not at create.
	if err := e.RemoveVolume("keep", false); !errors.Is(err, errdefs.ErrFailedPrecondition) && !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Errorf("RemoveVolume(keep) in use = %v, want a refusal", err)
	}
	vols, err := e.ListVolumes()
	if err != nil || len(vols) != 2 {
		t.Fatalf("ListVolumes = %v, %v; want keep and the anonymous one", vols, err)
	}
	if err := e.RemoveWithVolumes(context.Background(), id, false, true); err != nil {
		t.Fatalf("rm -v = %v", err)
	}
	if _, err := e.InspectVolume(anon); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("rm -v kept anonymous volume %s: %v", anon, err)
	}
	if _, err := e.InspectVolume("keep"); err != nil {
		t.Errorf("rm -v removed named volume keep: %v", err)
	}
	// Prune: an unused named volume stays without all, goes with it.
	if gone, _, err := e.PruneVolumes(false); err != nil || len(gone) != 0 {
		t.Errorf("PruneVolumes(false) = %v, %v; want the named volume kept", gone, err)
	}
	if gone, _, err := e.PruneVolumes(true); err != nil || !slices.Equal(gone, []string{"keep"}) {
		t.Errorf("PruneVolumes(true) = %v, %v; want [keep]", gone, err)
	}
}

// TestUnitVolumeCreate: names are checked, create is idempotent, labels
// kept, only the local driver exists.
func TestUnitVolumeCreate(t *testing.T) {
	e := unitEngine(t)
	for _, c := range []struct {
		o    VolumeCreateOptions
		want error
	}{
		{VolumeCreateOptions{Name: "x"}, errdefs.ErrInvalid},
		{VolumeCreateOptions{Name: "../up"}, errdefs.ErrInvalid},
		{VolumeCreateOptions{Name: "ok", Driver: "nfs"}, errdefs.ErrNotFound},
	} {
		if _, err := e.CreateVolume(c.o); !errors.Is(err, c.want) {
			t.Errorf("CreateVolume(%+v) = %v, want %v", c.o, err, c.want)
		}
	}
	v, err := e.CreateVolume(VolumeCreateOptions{Name: "data", Labels: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.CreateVolume(VolumeCreateOptions{Name: "data"})
	if err != nil || again.CreatedAt != v.CreatedAt || again.Labels["k"] != "v" {
		t.Errorf("second CreateVolume(data) = %+v, %v; want the first one", again, err)
	}
	anon, err := e.CreateVolume(VolumeCreateOptions{})
	if err != nil || len(anon.Name) != 64 {
		t.Errorf("CreateVolume() = %+v, %v; want a 64-hex name", anon, err)
	}
	if err := e.RemoveVolume("data", false); err != nil {
		t.Errorf("RemoveVolume(data) = %v", err)
	}
	if err := e.RemoveVolume("data", false); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("RemoveVolume(data) twice = %v, want ErrNotFound", err)
	}
}

// TestUnitPruneContainers removes created and exited containers and keeps
// running, paused and restarting ones.
func TestUnitPruneContainers(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	keep := map[string]string{}
	to := func(st container.Status) func(*state) { return func(s *state) { s.Status = st } }
	for name, steps := range map[string][]func(*state){
		"created": nil,
		"exited":  {running, exited(0)},
		"dead":    {to(container.Dead)},
		"up":      {running},
		"paused":  {running, to(container.Paused)},
		"restart": {running, to(container.Restarting)},
	} {
		id := mustCreate(t, e, noNet(name))
		for _, step := range steps {
			setState(t, e, id, step)
		}
		keep[name] = id
	}
	rep, err := e.PruneContainers(context.Background())
	if err != nil {
		t.Fatalf("PruneContainers = %v", err)
	}
	var pruned []string
	for name, id := range keep {
		if slices.Contains(rep.Containers, id) {
			pruned = append(pruned, name)
		}
	}
	slices.Sort(pruned)
	if !slices.Equal(pruned, []string{"created", "dead", "exited"}) {
		t.Errorf("PruneContainers removed %v, want created, dead and exited", pruned)
	}
	left, _ := e.List(true)
	if got := names(left); !slices.Equal(got, []string{"paused", "restart", "up"}) {
		t.Errorf("after prune List(true) = %v", got)
	}
}

// TestUnitImages: tag, list, inspect, history, save and load round trip,
// and docker rmi's rules (an image in use is refused unless forced, and
// forced only untags it); prune removes dangling unused images.
func TestUnitImages(t *testing.T) {
	e := unitEngine(t)
	id := testImage(t, e, "unit:1", `CMD ["/bin/true"]`, "LABEL a=b", "EXPOSE 80")
	if err := e.Tag("unit:1", "other:2"); err != nil {
		t.Fatalf("Tag = %v", err)
	}
	imgs, err := e.Images()
	if err != nil || len(imgs) != 1 || len(imgs[0].RepoTags) != 2 {
		t.Fatalf("Images() = %+v, %v; want one image with two tags", imgs, err)
	}
	in, err := e.ImageInspect("other:2")
	if err != nil || in.ID != id || in.Config.Labels["a"] != "b" || len(in.RootFS.Layers) != 1 {
		t.Fatalf("ImageInspect(other:2) = %+v, %v", in, err)
	}
	h, err := e.History("unit:1")
	if err != nil || len(h) == 0 || h[0].ID != id || h[0].Comment != "unit" {
		t.Fatalf("History = %+v, %v", h, err)
	}
	for _, format := range []string{"docker-archive", "oci-archive"} {
		var buf bytes.Buffer
		if err := e.Save(&buf, []string{"unit:1"}, format); err != nil {
			t.Fatalf("Save(%s) = %v", format, err)
		}
		e2 := unitEngine(t)
		loaded, err := e2.Load(&buf)
		if err != nil || len(loaded) != 1 {
			t.Fatalf("Load(%s) = %v, %v", format, loaded, err)
		}
		if in2, err := e2.ImageInspect("unit:1"); err != nil || in2.ID != id {
			t.Errorf("after Load(%s) ImageInspect = %+v, %v; want ID %s", format, in2, err, id)
		}
	}
	c := mustCreate(t, e, noNet("user"))
	if _, err := e.RemoveImage(id, false); !errors.Is(err, errdefs.ErrFailedPrecondition) && !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Errorf("RemoveImage(in use) = %v, want a refusal", err)
	}
	// By one of two names: only that name goes.
	if rm, err := e.RemoveImage("other:2", false); err != nil || len(rm.Deleted) != 0 {
		t.Errorf("RemoveImage(other:2) = %+v, %v; want an untag", rm, err)
	}
	setState(t, e, c, running)
	if rm, err := e.RemoveImage("unit:1", true); err != nil || len(rm.Deleted) != 0 {
		t.Errorf("RemoveImage(unit:1, force) of an image a running container uses = %+v, %v; want only the name removed", rm, err)
	}
	setState(t, e, c, exited(0))
	if rep, err := e.PruneImages(true); err != nil || len(rep.Images) != 0 {
		t.Errorf("PruneImages(all) with a container using the image = %+v, %v", rep, err)
	}
	if err := e.Remove(context.Background(), c, false); err != nil {
		t.Fatal(err)
	}
	rep, err := e.PruneImages(false)
	if err != nil || len(rep.Images) != 1 {
		t.Fatalf("PruneImages(false) = %+v, %v; want the dangling image removed", rep, err)
	}
	if imgs, _ := e.Images(); len(imgs) != 0 {
		t.Errorf("after prune Images() = %+v", imgs)
	}
}

// TestUnitDiskUsageAndInfo: df counts images, containers and volumes and
// which use which; info counts containers by state.
func TestUnitDiskUsageAndInfo(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	testImage(t, e, "spare:1", `CMD ["/bin/sh"]`)
	o := noNet("c")
	o.Host.Binds = []string{"vol:/v"}
	id := mustCreate(t, e, o)
	up := mustCreate(t, e, noNet("up"))
	setState(t, e, up, running)
	os.WriteFile(filepath.Join(e.containerDir(id), "upper", "f"), make([]byte, 5000), 0o644)
	du, err := e.DiskUsage()
	if err != nil {
		t.Fatal(err)
	}
	if len(du.Images) != 2 || len(du.Containers) != 2 || len(du.Volumes) != 1 || du.Volumes[0].Links != 1 {
		t.Fatalf("DiskUsage = %d images, %d containers, %+v volumes", len(du.Images), len(du.Containers), du.Volumes)
	}
	for _, img := range du.Images {
		if want := map[bool]int{true: 2, false: 0}[slices.Contains(img.RepoTags, "unit:1")]; img.Containers != want {
			t.Errorf("image %v: Containers = %d, want %d", img.RepoTags, img.Containers, want)
		}
	}
	// spare:1 has the very layer unit:1 has, which containers use.
	if du.LayersSize <= 0 || du.Reclaimable != 0 {
		t.Errorf("LayersSize %d, Reclaimable %d: want one layer counted once, not reclaimable while a used image shares it", du.LayersSize, du.Reclaimable)
	}
	info, err := e.Info("test")
	if err != nil {
		t.Fatal(err)
	}
	if info.Containers != 2 || info.ContainersRunning != 1 || info.ContainersStopped != 1 || info.Images != 2 {
		t.Errorf("Info = %d containers (%d running, %d stopped), %d images", info.Containers, info.ContainersRunning, info.ContainersStopped, info.Images)
	}
}
