package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/idmap"
)

// usernsStore is a unit store whose subordinate ID files are in a
// temporary directory, with config (JSON members) added to its config.json;
// subuid and subgid are the files' first content ("" for no file).
func usernsStore(t *testing.T, config, subuid, subgid string) (e *Engine, uidFile, gidFile string) {
	t.Helper()
	e = unitEngine(t)
	testImage(t, e, "unit:1")
	dir := t.TempDir()
	uidFile, gidFile = filepath.Join(dir, "subuid"), filepath.Join(dir, "subgid")
	for file, body := range map[string]string{uidFile: subuid, gidFile: subgid} {
		if body == "" {
			continue
		}
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`{"userns-subuid": %q, "userns-subgid": %q%s}`, uidFile, gidFile, config)
	if err := os.WriteFile(filepath.Join(e.root, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return e, uidFile, gidFile
}

// recordedMaps are the UID and GID maps the record of id holds.
func recordedMaps(t *testing.T, e *Engine, id string) (string, string) {
	t.Helper()
	r, err := e.loadRecord(id)
	if err != nil {
		t.Fatalf("loadRecord(%s) = %v", id, err)
	}
	if r.Host.IDMappings == nil {
		return "", ""
	}
	return strings.Join(r.Host.IDMappings.UIDMap, ","), strings.Join(r.Host.IDMappings.GIDMap, ",")
}

func usernsOpts(name, mode string) CreateOptions {
	o := noNet(name)
	o.Host.UsernsMode = mode
	return o
}

// TestUnitUsernsPrivateBlockPerContainer: with no berth entry in the subid
// files, the first private container adds one (past every other range,
// on a 65536 boundary); each container gets its own block after the
// store's first one, and a removed container's block is handed out again.
func TestUnitUsernsPrivateBlockPerContainer(t *testing.T) {
	e, uidFile, gidFile := usernsStore(t, "", "alice:100000:65536\n", "alice:100000:65536\n")
	a := mustCreate(t, e, usernsOpts("a", "private"))
	b := mustCreate(t, e, usernsOpts("b", "private"))
	for _, file := range []string{uidFile, gidFile} {
		data, _ := os.ReadFile(file)
		if want := fmt.Sprintf("alice:100000:65536\nberth:196608:%d\n", usernsGrant); string(data) != want {
			t.Fatalf("%s after create = %q, want %q", filepath.Base(file), data, want)
		}
	}
	wantA, wantB := "0:262144:65536", "0:327680:65536"
	if u, g := recordedMaps(t, e, a); u != wantA || g != wantA {
		t.Errorf("maps of a = %s / %s, want %s", u, g, wantA)
	}
	if u, g := recordedMaps(t, e, b); u != wantB || g != wantB {
		t.Errorf("maps of b = %s / %s, want %s", u, g, wantB)
	}
	if err := e.Remove(context.Background(), a, false); err != nil {
		t.Fatalf("Remove(a) = %v", err)
	}
	c := mustCreate(t, e, usernsOpts("c", "private"))
	if u, _ := recordedMaps(t, e, c); u != wantA {
		t.Errorf("maps of c after a's removal = %s, want a's block %s", u, wantA)
	}
}

// TestUnitUsernsStoreAllocation: userns-remap makes private the default
// and one block (the grant's first) shared by the store's containers.
func TestUnitUsernsStoreAllocation(t *testing.T) {
	e, _, _ := usernsStore(t, `, "userns-remap": "default"`, "berth:655360:131072\n", "berth:655360:131072\n")
	want := "0:655360:65536"
	for _, name := range []string{"a", "b"} {
		id := mustCreate(t, e, noNet(name))
		if u, g := recordedMaps(t, e, id); u != want || g != want {
			t.Errorf("maps of %s = %s / %s, want %s", name, u, g, want)
		}
	}
	hostID := mustCreate(t, e, usernsOpts("h", "host"))
	if u, _ := recordedMaps(t, e, hostID); u != "" {
		t.Errorf("--userns host under remap has maps %s", u)
	}
}

// TestUnitUsernsExhausted: when every block past the store's is taken,
// create fails with a precondition error naming the container, and
// writes nothing. (Names that are not hex: resolve("b") also matches an
// ID prefix, one time in 16.)
func TestUnitUsernsExhausted(t *testing.T) {
	e, _, _ := usernsStore(t, "", "berth:655360:131072\n", "berth:655360:131072\n")
	mustCreate(t, e, usernsOpts("first", "private"))
	_, err := e.Create(usernsOpts("second", "private"))
	if !errors.Is(err, errdefs.ErrFailedPrecondition) || !strings.Contains(err.Error(), `container "second"`) {
		t.Fatalf("Create(second) with no free block = %v, want a precondition error naming second", err)
	}
	if _, err := e.resolve("second"); err == nil {
		t.Error("a failed create left container second behind")
	}
}

// TestUnitUsernsOtherOwnerNotAdded: only berth's own entry is added; a
// remap user without subordinate IDs is an error and the files stay.
func TestUnitUsernsOtherOwnerNotAdded(t *testing.T) {
	e, uidFile, _ := usernsStore(t, `, "userns-remap": "nobody-here"`, "alice:100000:65536\n", "alice:100000:65536\n")
	_, err := e.Create(noNet("a"))
	if !errors.Is(err, errdefs.ErrFailedPrecondition) || !strings.Contains(err.Error(), "nobody-here") {
		t.Fatalf("Create under a remap user without ranges = %v", err)
	}
	if data, _ := os.ReadFile(uidFile); string(data) != "alice:100000:65536\n" {
		t.Errorf("subuid rewritten for another owner: %q", data)
	}
}

// TestUnitUsernsExplicitMaps: --uidmap/--gidmap inside berth's grant are
// kept as given (one side given means both); outside it, mapping host
// root, or overlapping, they are refused before anything is written.
func TestUnitUsernsExplicitMaps(t *testing.T) {
	e, _, _ := usernsStore(t, "", "berth:655360:131072\n", "berth:655360:131072\n")
	o := noNet("ok")
	o.Host.IDMappings = &IDMappings{UIDMap: []string{"0:700000:1000"}}
	id := mustCreate(t, e, o)
	if u, g := recordedMaps(t, e, id); u != "0:700000:1000" || g != u {
		t.Errorf("maps = %s / %s, want the uid map on both sides", u, g)
	}
	for _, tc := range []struct {
		name      string
		uids      []string
		gids      []string
		mode      string
		mentioned string
	}{
		{"outside", []string{"0:100000:1000"}, nil, "", "outside"},
		{"gid-outside", []string{"0:700000:1000"}, []string{"0:900000:1000"}, "", "--gidmap"},
		{"host-root", []string{"0:0:1"}, nil, "", "host's root"},
		{"overlap", []string{"0:700000:10", "5:800000:10"}, nil, "", "--uidmap"},
		{"junk", []string{"zero:1:2"}, nil, "", "--uidmap"},
		{"with-host", []string{"0:700000:1000"}, nil, "host", "conflicting"},
		{"with-keep-id", []string{"0:700000:1000"}, nil, "keep-id", "conflicting"},
	} {
		o := noNet(tc.name)
		o.Host.UsernsMode = tc.mode
		o.Host.IDMappings = &IDMappings{UIDMap: tc.uids, GIDMap: tc.gids}
		_, err := e.Create(o)
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), tc.mentioned) {
			t.Errorf("%s: Create = %v, want an invalid error mentioning %q", tc.name, err, tc.mentioned)
		}
		if _, err := e.resolve(tc.name); err == nil {
			t.Errorf("%s: a refused create left its container", tc.name)
		}
	}
}

// TestUnitUsernsConflicts: a user namespace cannot go with the host's
// other namespaces or --privileged, and unknown modes or store settings
// are refused.
func TestUnitUsernsConflicts(t *testing.T) {
	e, _, _ := usernsStore(t, "", "berth:655360:131072\n", "berth:655360:131072\n")
	for _, tc := range []struct {
		name   string
		change func(*HostConfig)
		want   string
	}{
		{"privileged", func(h *HostConfig) { h.Privileged = true }, "--privileged"},
		{"network", func(h *HostConfig) { h.NetworkMode = "host" }, "--network host"},
		{"pid", func(h *HostConfig) { h.PidMode = "host" }, "--pid host"},
		{"ipc", func(h *HostConfig) { h.IpcMode = "host" }, "--ipc host"},
		{"uts", func(h *HostConfig) { h.UTSMode = "host" }, "--uts host"},
		{"mode", func(h *HostConfig) { h.UsernsMode = "shared" }, `--userns "shared"`},
	} {
		o := usernsOpts(tc.name, "private")
		tc.change(&o.Host)
		_, err := e.Create(o)
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Create = %v, want an invalid error mentioning %q", tc.name, err, tc.want)
		}
	}
	// the host's namespaces are fine without a user namespace
	o := usernsOpts("hostnet", "host")
	o.Host.NetworkMode = "host"
	if _, err := e.Create(o); err != nil {
		t.Errorf("Create(--userns host --network host) = %v", err)
	}
	for _, cfg := range []string{`{"userns": "shared"}`, `{"userns-allocate": "pool"}`, `{"userns": `} {
		if err := os.WriteFile(filepath.Join(e.root, "config.json"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Create(noNet("cfg")); !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "store config") {
			t.Errorf("config %s: Create = %v, want an invalid store config", cfg, err)
		}
	}
}

// TestUnitUsernsContainerMode: --userns container:NAME shares that
// container's maps, whatever its name becomes.
func TestUnitUsernsContainerMode(t *testing.T) {
	e, _, _ := usernsStore(t, "", "berth:655360:196608\n", "berth:655360:196608\n")
	a := mustCreate(t, e, usernsOpts("a", "private"))
	b := mustCreate(t, e, usernsOpts("b", "container:a"))
	ua, _ := recordedMaps(t, e, a)
	if ub, _ := recordedMaps(t, e, b); ub != ua || ua == "" {
		t.Errorf("maps of b = %q, want a's %q", ub, ua)
	}
	r, _ := e.loadRecord(b)
	if r.Host.UsernsMode != containerModePrefix+a {
		t.Errorf("b's mode = %q, want a's full ID", r.Host.UsernsMode)
	}
	if _, err := e.Create(usernsOpts("c", "container:nosuch")); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Create(--userns container:nosuch) = %v, want not found", err)
	}
}

// TestUnitKeepID: the kept ID maps to itself and the block fills the
// rest of 0-65535 around it.
func TestUnitKeepID(t *testing.T) {
	for _, tc := range []struct {
		id   uint32
		want string
	}{
		{1000, "0:200000:1000,1000:1000:1,1001:201000:64535"},
		{0, "0:0:1,1:200000:65535"},
		{65535, "0:200000:65535,65535:65535:1"},
		{70000, "0:200000:65536,70000:70000:1"},
	} {
		got := idmap.Format(keepID(200000, tc.id))
		if got != tc.want {
			t.Errorf("keepID(200000, %d) = %s, want %s", tc.id, got, tc.want)
		}
		ms := keepID(200000, tc.id)
		if err := idmap.Check(ms); err != nil {
			t.Errorf("keepID(200000, %d) is not a valid map: %v", tc.id, err)
		}
		if h, ok := idmap.ToHost(ms, tc.id); !ok || h != tc.id {
			t.Errorf("keepID(200000, %d) maps the kept ID to %d, %v", tc.id, h, ok)
		}
	}
}

// TestUnitCallingUser: keep-id keeps the user sudo ran berth for, never
// root; junk in SUDO_UID is ignored.
func TestUnitCallingUser(t *testing.T) {
	t.Setenv("SUDO_UID", "1000")
	t.Setenv("SUDO_GID", "1001")
	uid, gid, err := callingUser()
	if os.Getuid() == 0 {
		if err != nil || uid != 1000 || gid != 1001 {
			t.Errorf("callingUser() under sudo = %d %d %v, want 1000 1001", uid, gid, err)
		}
		t.Setenv("SUDO_UID", "x")
		if _, _, err := callingUser(); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("callingUser() as root with junk SUDO_UID = %v, want root refused", err)
		}
		t.Setenv("SUDO_UID", "")
		if _, _, err := callingUser(); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("callingUser() as root = %v, want root refused", err)
		}
	} else if err != nil || uid != uint32(os.Getuid()) || gid != uint32(os.Getgid()) {
		t.Errorf("callingUser() = %d %d %v, want the caller, not SUDO_UID", uid, gid, err)
	}
}

// TestUnitUsernsKeepIDCreate: a keep-id container runs as the kept user
// by default, with its ID mapped to itself.
func TestUnitUsernsKeepIDCreate(t *testing.T) {
	t.Setenv("SUDO_UID", "1000")
	t.Setenv("SUDO_GID", "1000")
	want := uint32(1000)
	if os.Getuid() != 0 {
		want = uint32(os.Getuid())
	}
	e, _, _ := usernsStore(t, "", "berth:655360:131072\n", "berth:655360:131072\n")
	id := mustCreate(t, e, usernsOpts("k", "keep-id"))
	u, _ := recordedMaps(t, e, id)
	if ms, err := idmap.Parse(u); err != nil || !slices.Contains(ms, idmap.Map{ContainerID: want, HostID: want, Size: 1}) {
		t.Errorf("keep-id maps = %s (%v), want %d kept", u, err, want)
	}
	r, _ := e.loadRecord(id)
	if os.Getuid() == 0 && r.Config.User != "1000:1000" {
		t.Errorf("keep-id user under sudo = %q, want 1000:1000", r.Config.User)
	}
}
