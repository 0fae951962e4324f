package engine

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestUnitPushPull: an image pushed to a registry on loopback and pulled
// into another store is the same image; a second pull is up to date;
// the source is recorded.
func TestUnitPushPull(t *testing.T) {
	reg := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	e := unitEngine(t)
	id := testImage(t, e, "unit:1")
	ref := host + "/unit:1"
	if err := e.Tag("unit:1", ref); err != nil {
		t.Fatal(err)
	}
	var progress int
	pushed, err := e.Push(context.Background(), ref, RegistryOptions{Progress: func(TransferProgress) { progress++ }})
	if err != nil || pushed.Tag != "1" || pushed.Digest == "" {
		t.Fatalf("Push(%s) = %+v, %v", ref, pushed, err)
	}
	e2 := unitEngine(t)
	got, err := e2.Pull(context.Background(), ref, RegistryOptions{})
	if err != nil || got.ID != id || got.UpToDate || got.Digest != pushed.Digest {
		t.Fatalf("Pull(%s) = %+v, %v; want image %s", ref, got, err, id)
	}
	again, err := e2.Pull(context.Background(), ref, RegistryOptions{})
	if err != nil || !again.UpToDate {
		t.Errorf("second Pull = %+v, %v; want up to date", again, err)
	}
	if src, status, err := e2.CheckRemote(context.Background(), ref, RegistryOptions{}); err != nil || src == "" || status == "" {
		t.Errorf("CheckRemote = %q, %q, %v", src, status, err)
	}
	if _, err := e2.Pull(context.Background(), host+"/missing:1", RegistryOptions{}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Pull(missing) = %v, want ErrNotFound", err)
	}
	if _, err := e.Push(context.Background(), "ghost:1", RegistryOptions{}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Push(ghost) = %v, want ErrNotFound", err)
	}
	if progress == 0 {
		t.Errorf("Push reported no progress")
	}
}

// TestUnitNameIndexUpgrade: a store of schema version 1 (no name index)
// is upgraded when opened: its containers are found by name again; a
// store of an unknown version is refused.
func TestUnitNameIndexUpgrade(t *testing.T) {
	dir := t.TempDir()
	e := openUnit(t, dir)
	testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("old"))
	os.RemoveAll(e.namesDir())
	os.WriteFile(filepath.Join(e.root, "VERSION"), []byte("1\n"), 0o644)
	e = openUnit(t, dir)
	if r, err := e.resolve("old"); err != nil || r.ID != id {
		t.Fatalf("after the upgrade resolve(old) = %v, %v", r, err)
	}
	if v, _ := os.ReadFile(filepath.Join(e.root, "VERSION")); strings.TrimSpace(string(v)) != SchemaVersion {
		t.Errorf("VERSION = %q after the upgrade", v)
	}
	os.WriteFile(filepath.Join(e.root, "VERSION"), []byte("99\n"), 0o644)
	_, err := open(Options{Root: filepath.Join(dir, "store"), RunRoot: filepath.Join(dir, "run")},
		host{secure: func(d string, _ bool) error { return os.MkdirAll(d, 0o700) }, cgroups: func() []cgroupDir { return nil }})
	if !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("open(version 99) = %v, want ErrFailedPrecondition", err)
	}
}

// TestUnitSchema3Upgrade: a store of schema version 2 opens as version 3
// with what it holds intact: an image rmi -f deleted while a stopped
// container uses it stays held (held.json, new in 3) with its layers, and
// the container still resolves. Version 3 exists so that an older berth
// refuses such a store instead of collecting those layers.
func TestUnitSchema3Upgrade(t *testing.T) {
	dir := t.TempDir()
	e := openUnit(t, dir)
	img := testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("old"))
	if _, err := e.RemoveImage(img, true); err != nil {
		t.Fatal(err)
	}
	if !e.images.IsHeld(img) {
		t.Fatalf("rmi -f of a stopped container's image did not hold it")
	}
	os.WriteFile(filepath.Join(e.root, "VERSION"), []byte("2\n"), 0o644)
	e = openUnit(t, dir)
	if v, _ := os.ReadFile(filepath.Join(e.root, "VERSION")); string(v) != "3\n" {
		t.Errorf("VERSION = %q after opening a version 2 store, want 3", v)
	}
	if r, err := e.resolve("old"); err != nil || r.ID != id {
		t.Fatalf("after the upgrade resolve(old) = %v, %v", r, err)
	}
	if !e.images.IsHeld(img) {
		t.Errorf("the upgrade dropped the held image")
	}
	if _, err := e.images.HeldImage(img); err != nil {
		t.Errorf("the held image's layers after the upgrade: %v", err)
	}
}

// TestUnitJoinNamespaces: --network/--pid/--ipc container:NAME join the
// namespaces of that container's init (/proc/PID/ns/...), only while it
// runs; --ipc container: needs a shareable one; --pid container: is
// refused for a container holding CAP_SYS_PTRACE.
func TestUnitJoinNamespaces(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	shareable := noNet("target")
	shareable.Host.IpcMode = "shareable"
	target := mustCreate(t, e, shareable)
	setState(t, e, target, func(s *state) { running(s); s.Pid = os.Getpid() })
	s := specOf(t, e, CreateOptions{Host: HostConfig{NetworkMode: "container:target", PidMode: "container:target", IpcMode: "container:target"}})
	for typ, file := range map[specs.LinuxNamespaceType]string{specs.NetworkNamespace: "net", specs.PIDNamespace: "pid", specs.IPCNamespace: "ipc"} {
		ns, ok := hasNamespace(s, typ)
		if want := "/proc/" + strconv.Itoa(os.Getpid()) + "/ns/" + file; !ok || ns.Path != want {
			t.Errorf("namespace %s = %+v, want path %s", typ, ns, want)
		}
	}
	private := mustCreate(t, e, noNet("private"))
	setState(t, e, private, func(s *state) { running(s); s.Pid = os.Getpid() })
	tracer := noNet("tracer")
	tracer.Host.CapAdd = []string{"SYS_PTRACE"}
	tr := mustCreate(t, e, tracer)
	setState(t, e, tr, func(s *state) { running(s); s.Pid = os.Getpid() })
	if _, err := e.Create(CreateOptions{Image: "unit:1", Host: HostConfig{NetworkMode: "none", PidMode: "container:tracer"}}); !errors.Is(err, errdefs.ErrFailedPrecondition) || !strings.Contains(err.Error(), "CAP_SYS_PTRACE") {
		t.Errorf("--pid container:tracer = %v, want a refusal naming CAP_SYS_PTRACE", err)
	}
	mustCreate(t, e, noNet("stopped"))
	id := mustCreate(t, e, CreateOptions{Image: "unit:1", Host: HostConfig{NetworkMode: "container:stopped"}})
	if _, err := e.RuntimeSpec(id); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("RuntimeSpec joining a stopped container = %v, want 'not running'", err)
	}
	ipcID := mustCreate(t, e, CreateOptions{Image: "unit:1", Host: HostConfig{NetworkMode: "none", IpcMode: "container:private"}})
	if _, err := e.RuntimeSpec(ipcID); err == nil || !strings.Contains(err.Error(), "not shareable") {
		t.Errorf("RuntimeSpec joining a private IPC namespace = %v, want 'not shareable'", err)
	}
}

// TestUnitImportDirAndBootstrap: an image from a directory tree, and
// busybox from the host's static busybox.
func TestUnitImportDirAndBootstrap(t *testing.T) {
	e := unitEngine(t)
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "hello"), []byte("hi"), 0o644)
	id, err := e.ImportDir(d, "fromdir:1", ImportOptions{Changes: []string{`CMD ["/hello"]`}})
	if err != nil {
		t.Fatalf("ImportDir = %v", err)
	}
	if img, err := e.ResolveImage("fromdir:1"); err != nil || img.ID != id || img.Config.Cmd[0] != "/hello" {
		t.Errorf("ResolveImage(fromdir:1) = %v, %v", img, err)
	}
	if _, err := e.ImportDir(d, "bad:1", ImportOptions{Changes: []string{"NOPE x"}}); err == nil {
		t.Errorf("ImportDir with a bad change succeeded")
	}
	if _, err := os.Stat(BusyboxPath); err != nil {
		return
	}
	s, err := e.Bootstrap()
	if err != nil || len(s.RepoTags) == 0 {
		t.Fatalf("Bootstrap = %+v, %v", s, err)
	}
}
