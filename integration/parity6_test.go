package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestParity6RmiForceIDDeletesImageOfStoppedContainer: rmi -f IMAGE_ID of
// an image only a stopped container uses deletes it, as docker's does
// (untagged, deleted, gone from images), and the container still starts
// and commits: its layers stay until it is removed.
func TestParity6RmiForceIDDeletesImageOfStoppedContainer(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	imgID := okAt(t, store, "images", "-q", "--no-trunc", "busybox")
	ctr := okAt(t, store, "create", "busybox", "cat", "/etc/hostname")

	r := at(t, store, "", "", "rmi", imgID)
	if r.code == 0 || !strings.Contains(r.stderr, "(must be forced) - image is being used by stopped container "+ctr[:12]) {
		t.Fatalf("rmi ID of a stopped container's image: %v", r)
	}
	out := okAt(t, store, "rmi", "-f", imgID)
	if want := "Untagged: busybox:latest\nDeleted: " + imgID; out != want {
		t.Fatalf("rmi -f ID = %q, want %q", out, want)
	}
	if got := okAt(t, store, "images", "-a", "-q"); got != "" {
		t.Errorf("images -aq after rmi -f = %q, want nothing", got)
	}
	if r := at(t, store, "", "", "image", "inspect", imgID); r.code == 0 {
		t.Errorf("image inspect of the deleted image succeeded: %v", r)
	}
	if got := okAt(t, store, "start", "-a", ctr); got != ctr[:12] {
		t.Errorf("start -a of the container after rmi -f = %q, want its hostname %s", got, ctr[:12])
	}
	if got := okAt(t, store, "ps", "-a", "--format", "{{.Image}}"); got != strings.TrimPrefix(imgID, "sha256:")[:12] {
		t.Errorf("ps IMAGE of the container = %q, want the short image ID", got)
	}
	okAt(t, store, "commit", ctr, "kept:1")
	okAt(t, store, "rmi", "kept:1")

	snaps := func() int {
		ents, err := os.ReadDir(filepath.Join(store, "snapshots"))
		if err != nil {
			t.Fatalf("ReadDir(snapshots) = %v", err)
		}
		return len(ents)
	}
	if snaps() == 0 {
		t.Fatal("the stopped container's snapshots were collected with its image")
	}
	okAt(t, store, "rm", ctr)
	if n := snaps(); n != 0 {
		t.Errorf("%d snapshots left after the held image's last container was removed", n)
	}
}

// TestParity6RmiForceNameRules: rmi -f NAME of an image a stopped
// container uses deletes it too; of one a running container uses, it only
// untags (docker's quiet conflict); rmi -f ID of a running one's image is
// refused whatever the force.
func TestParity6RmiForceNameRules(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	imgID := okAt(t, store, "images", "-q", "--no-trunc", "busybox")
	okAt(t, store, "tag", "busybox", "other:1")
	running := okAt(t, store, "run", "-d", "other:1", "sleep", "60")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", running) })

	r := at(t, store, "", "", "rmi", "-f", imgID)
	if r.code == 0 || !strings.Contains(r.stderr, "(cannot be forced) - image is being used by running container "+running[:12]) {
		t.Fatalf("rmi -f ID of a running container's image: %v", r)
	}
	if out := okAt(t, store, "rmi", "-f", "busybox"); out != "Untagged: busybox:latest" {
		t.Errorf("rmi -f NAME, one of two names = %q", out)
	}
	if out := okAt(t, store, "rmi", "-f", "other:1"); out != "Untagged: other:1" {
		t.Errorf("rmi -f NAME of a running container's image = %q, want only the untag", out)
	}
	if got := okAt(t, store, "images", "-q", "--no-trunc"); got != imgID {
		t.Errorf("images after untagging a running container's image = %q, want it kept as <none>", got)
	}
	okAt(t, store, "rm", "-f", running)

	okAt(t, store, "tag", imgID, "again:1")
	stopped := okAt(t, store, "create", "again:1", "true")
	if out := okAt(t, store, "rmi", "-f", "again:1"); out != "Untagged: again:1\nDeleted: "+imgID {
		t.Errorf("rmi -f NAME of a stopped container's image = %q", out)
	}
	if got := okAt(t, store, "start", "-a", stopped); got != "" {
		t.Errorf("start -a after rmi -f NAME = %q", got)
	}
}

// TestParity6ReconcileUnmountsOptionVolume: a volume with options is
// unmounted by the reconcile that finds its only user's shim killed -9,
// as the shim would have at the container's end.
func TestParity6ReconcileUnmountsOptionVolume(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	okAt(t, store, "volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=1m", "p6vol")
	data := okAt(t, store, "volume", "inspect", "-f", "{{.Mountpoint}}", "p6vol")
	mounted := func() bool {
		info, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			t.Fatalf("ReadFile(mountinfo) = %v", err)
		}
		for _, line := range strings.Split(string(info), "\n") {
			if f := strings.Fields(line); len(f) > 4 && f[4] == data {
				return true
			}
		}
		return false
	}
	id := okAt(t, store, "run", "-d", "-v", "p6vol:/data", "busybox", "sleep", "300")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", id) })
	if !mounted() {
		t.Fatalf("%s is not mounted while its user runs", data)
	}
	var st struct {
		ShimPid int `json:"shimPid"`
	}
	raw, err := os.ReadFile(filepath.Join(store, "containers", id, "state.json"))
	if err != nil || json.Unmarshal(raw, &st) != nil || st.ShimPid <= 1 {
		t.Fatalf("state.json: %v %s", err, raw)
	}
	if err := syscall.Kill(st.ShimPid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", st.ShimPid, err)
	}
	eventually(t, 10*time.Second, "the shim gone", func() bool { return syscall.Kill(st.ShimPid, 0) != nil })
	if got := okAt(t, store, "inspect", "-f", "{{.State.Status}}", id); got != "exited" {
		t.Fatalf("status after the shim was killed = %q", got)
	}
	if mounted() {
		t.Errorf("%s still mounted after reconcile found its only user's shim dead", data)
	}
}

// TestParity6ExecAsContainerExits: exec racing the container's end fails
// with docker's "container X is not running" (exit 1), never with runc's
// raw nsexec error (a namespace path gone, "procReady not received") or
// its exit code; an exec the container's end kills exits 137. Several
// rounds, each execing until the container has been seen exited, so that
// the race is hit.
func TestParity6ExecAsContainerExits(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	for round := range 4 {
		id := okAt(t, store, "run", "-d", "busybox", "sleep", "0.4")
		deadline := time.Now().Add(20 * time.Second)
		for notRunning := 0; notRunning < 3; {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: container still running after 20s", round)
			}
			r := at(t, store, "", "", "exec", id, "true")
			switch {
			case r.code == 0, r.code == 137:
			case r.code == 1 && strings.TrimSpace(r.stderr) == "berth: container "+okAt(t, store, "inspect", "-f", "{{.Name}}", id)[1:]+" is not running":
				notRunning++
			default:
				t.Fatalf("round %d: exec as the container exits: %v", round, r)
			}
		}
		okAt(t, store, "rm", id)
	}
}
