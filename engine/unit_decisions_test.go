package engine

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/idmap"
)

// Decisions of the engine that need no container: each test names what a
// user relies on, and runs on a unit store in milliseconds.

// TestLinkEnvDockersVariables: --link NAME:ALIAS gives the container
// docker's legacy variables for the linked container (its lowest exposed
// port, each port's address, its environment but HOME and PATH), the
// alias defaulting to the linked container's name; a link to a container
// that is not running is refused as docker refuses it.
func TestLinkEnvDockersVariables(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1", `CMD ["/bin/true"]`, "EXPOSE 8080 5432 53/udp", "ENV PGDATA=/var/lib/pg HOME=/root")
	db := mustCreate(t, e, noNet("db"))
	setState(t, e, db, func(s *state) {
		running(s)
		s.Endpoints = []Endpoint{{Network: "bridge", Interface: "eth0", IPAddress: "10.88.0.7", IPPrefixLen: 16}}
	})
	web := &record{Name: "web", Host: HostConfig{Links: []string{"db:data"}}}
	env, err := e.linkEnv(web)
	if err != nil {
		t.Fatalf("linkEnv(db:data) = %v", err)
	}
	for _, want := range []string{
		"DATA_PORT=udp://10.88.0.7:53", // the lowest port, whatever its protocol
		"DATA_PORT_5432_TCP=tcp://10.88.0.7:5432",
		"DATA_PORT_5432_TCP_ADDR=10.88.0.7",
		"DATA_PORT_5432_TCP_PORT=5432",
		"DATA_PORT_5432_TCP_PROTO=tcp",
		"DATA_PORT_53_UDP=udp://10.88.0.7:53",
		"DATA_NAME=/web/data",
		"DATA_ENV_PGDATA=/var/lib/pg",
	} {
		if !slices.Contains(env, want) {
			t.Errorf("linkEnv(db:data) lacks %s: %q", want, env)
		}
	}
	for _, v := range env {
		if strings.HasPrefix(v, "DATA_ENV_HOME=") || strings.HasPrefix(v, "DATA_ENV_PATH=") {
			t.Errorf("linkEnv passes the linked container's %s", v)
		}
	}

	web.Host.Links = []string{"db"}
	if env, err := e.linkEnv(web); err != nil || !slices.Contains(env, "DB_NAME=/web/db") {
		t.Errorf("linkEnv(db) = %q, %v; want the alias to be the name", env, err)
	}

	setState(t, e, db, exited(0))
	_, err = e.linkEnv(web)
	if !errdefs.Is(err, errdefs.ErrFailedPrecondition) || !strings.Contains(err.Error(), "cannot link to a non running container: /db AS /web/db") {
		t.Errorf("linkEnv(db, exited) = %v, want docker's refusal", err)
	}
	web.Host.Links = []string{"nosuch:x"}
	if _, err := e.linkEnv(web); !errdefs.Is(err, errdefs.ErrNotFound) || !strings.Contains(err.Error(), "--link nosuch:x") {
		t.Errorf("linkEnv(nosuch:x) = %v, want not found naming the flag", err)
	}
}

// TestUsernsOwnerShifts: with a user namespace, the owners a user sees
// through cp and export are the container's: a host ID inside the maps
// reads as its container ID, one outside as the overflow ID (65534, as
// the kernel shows it); writing in, a container ID outside the maps is
// refused, never written as some host ID. Without maps, IDs pass as they
// are.
func TestUsernsOwnerShifts(t *testing.T) {
	uids := []idmap.Map{{ContainerID: 0, HostID: 100000, Size: 65536}}
	gids := []idmap.Map{{ContainerID: 0, HostID: 200000, Size: 1000}}
	for _, tt := range []struct{ host, want int }{
		{100000, 0}, {100033, 33}, {165535, 65535}, {165536, overflowID}, {99999, overflowID}, {0, overflowID}, {-1, overflowID}, {1 << 33, overflowID},
	} {
		if got := toContainerID(uids, tt.host); got != tt.want {
			t.Errorf("toContainerID(%d) = %d, want %d", tt.host, got, tt.want)
		}
	}
	if got := toContainerID(nil, 1234); got != 1234 {
		t.Errorf("toContainerID without maps = %d, want the ID unchanged", got)
	}
	if fromHostIDs(nil, nil) != nil || toHostIDs(nil, nil) != nil {
		t.Error("a shift without maps is not nil: IDs would be rewritten for a container without a user namespace")
	}
	u, g, err := fromHostIDs(uids, gids)(100033, 200999)
	if u != 33 || g != 999 || err != nil {
		t.Errorf("fromHostIDs(100033, 200999) = %d, %d, %v; want 33, 999", u, g, err)
	}
	if u, g, _ := fromHostIDs(uids, gids)(100033, 201000); u != 33 || g != overflowID {
		t.Errorf("fromHostIDs(100033, 201000) = %d, %d; want 33, %d", u, g, overflowID)
	}
	to := toHostIDs(uids, gids)
	if u, g, err := to(33, 999); u != 100033 || g != 200999 || err != nil {
		t.Errorf("toHostIDs(33, 999) = %d, %d, %v; want 100033, 200999", u, g, err)
	}
	for _, bad := range [][2]int{{65536, 0}, {0, 1000}, {-1, 0}, {0, 1 << 33}} {
		if _, _, err := to(bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "is not mapped in the container's user namespace") {
			t.Errorf("toHostIDs(%d, %d) = %v, want refused", bad[0], bad[1], err)
		}
	}
}

// TestUpperTarShowsContainerOwners: export and cp out of a container with
// a user namespace give its files the container's owners (its writable
// layer holds host IDs); without one the tarball passes untouched; a
// failure of the tree's writer is the caller's error.
func TestUpperTarShowsContainerOwners(t *testing.T) {
	hostSide := func(w io.Writer, _ string) error {
		tw := tar.NewWriter(w)
		for _, h := range []*tar.Header{
			{Name: "root-file", Typeflag: tar.TypeReg, Size: 4, Mode: 0o644, Uid: 100000, Gid: 100000},
			{Name: "www-file", Typeflag: tar.TypeReg, Size: 4, Mode: 0o644, Uid: 100033, Gid: 100033},
			{Name: "host-root-file", Typeflag: tar.TypeReg, Size: 4, Mode: 0o644, Uid: 0, Gid: 0},
		} {
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if _, err := tw.Write([]byte("data")); err != nil {
				return err
			}
		}
		return tw.Close()
	}
	owners := func(data []byte) map[string][2]int {
		out := map[string][2]int{}
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatalf("reading the tarball: %v", err)
			}
			if body, _ := io.ReadAll(tr); string(body) != "data" {
				t.Errorf("%s: content %q, want it kept", h.Name, body)
			}
			out[h.Name] = [2]int{h.Uid, h.Gid}
		}
	}
	mapped := &record{Name: "u", Host: HostConfig{IDMappings: &IDMappings{UIDMap: []string{"0:100000:65536"}, GIDMap: []string{"0:100000:65536"}}}}
	var buf bytes.Buffer
	if err := upperTar(&buf, mapped, "/unused", hostSide); err != nil {
		t.Fatalf("upperTar(with maps) = %v", err)
	}
	want := map[string][2]int{"root-file": {0, 0}, "www-file": {33, 33}, "host-root-file": {overflowID, overflowID}}
	if got := owners(buf.Bytes()); !mapsEqual(got, want) {
		t.Errorf("owners with maps = %v, want %v", got, want)
	}
	buf.Reset()
	if err := upperTar(&buf, &record{Name: "plain"}, "/unused", hostSide); err != nil {
		t.Fatalf("upperTar(without maps) = %v", err)
	}
	want = map[string][2]int{"root-file": {100000, 100000}, "www-file": {100033, 100033}, "host-root-file": {0, 0}}
	if got := owners(buf.Bytes()); !mapsEqual(got, want) {
		t.Errorf("owners without maps = %v, want them untouched %v", got, want)
	}
	boom := errors.New("the tree went away")
	failing := func(w io.Writer, dir string) error { hostSide(w, dir); return boom }
	if err := upperTar(io.Discard, mapped, "/unused", failing); !errors.Is(err, boom) {
		t.Errorf("upperTar(failing writer) = %v, want its error", err)
	}
	bad := &record{Name: "torn", Host: HostConfig{IDMappings: &IDMappings{UIDMap: []string{"zero:one:two"}}}}
	if err := upperTar(io.Discard, bad, "/unused", hostSide); err == nil || !strings.Contains(err.Error(), "container torn") {
		t.Errorf("upperTar(unreadable maps) = %v, want an error naming the container", err)
	}
}

func mapsEqual(a, b map[string][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPasswdNamesStayInRootfs: top's USER column names UIDs from the
// container's own /etc/passwd: the first line of a UID wins (as getpwuid
// reads), malformed lines are skipped, and an /etc/passwd that is a
// symlink out of the root file system is followed inside it, never to the
// host's file.
func TestPasswdNamesStayInRootfs(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	passwd := "root:x:0:0:root:/root:/bin/sh\nadmin:x:0:0::/:/bin/sh\nwww:x:33:33::/var/www:/bin/sh\nbroken\nodd:x:notanumber:1::/:\n"
	if err := os.WriteFile(filepath.Join(root, "etc/passwd"), []byte(passwd), 0o644); err != nil {
		t.Fatal(err)
	}
	got := passwdNames(root)
	if len(got) != 2 || got[0] != "root" || got[33] != "www" {
		t.Errorf("passwdNames = %v, want 0:root 33:www", got)
	}

	// The host's side of the link: a passwd that must never be read.
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "passwd"), []byte("hostuser:x:4242:4242::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	evil := t.TempDir()
	if err := os.MkdirAll(filepath.Join(evil, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(host, "passwd"), filepath.Join(evil, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	if got := passwdNames(evil); len(got) != 0 {
		t.Errorf("passwdNames through a symlink out of the rootfs = %v, want nothing (the host's file read)", got)
	}
	if got := passwdNames(t.TempDir()); len(got) != 0 {
		t.Errorf("passwdNames without /etc/passwd = %v", got)
	}
}

// TestCheckImagePlatform: --platform with a local image is docker's check:
// OS and architecture must match, a variant only when both name one; a
// platform that is not os/arch is refused as bad input.
func TestCheckImagePlatform(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	img, err := e.images.Resolve("unit:1")
	if err != nil {
		t.Fatal(err)
	}
	here := img.OS + "/" + img.Architecture
	for _, ok := range []string{here, here + "/v8"} {
		if err := e.CheckImagePlatform("unit:1", ok); err != nil {
			t.Errorf("CheckImagePlatform(%s) of a %s image = %v", ok, here, err)
		}
	}
	other := "linux/s390x"
	if img.Architecture == "s390x" {
		other = "linux/amd64"
	}
	var mismatch *PlatformMismatchError
	err = e.CheckImagePlatform("unit:1", other)
	if !errors.As(err, &mismatch) || err.Error() != "image with reference unit:1 was found but does not match the specified platform: wanted "+other+", actual: "+here {
		t.Errorf("CheckImagePlatform(%s) = %v, want docker's mismatch", other, err)
	}
	if err := e.CheckImagePlatform("unit:1", "windows/"+img.Architecture); !errors.As(err, &mismatch) {
		t.Errorf("CheckImagePlatform(another OS) = %v, want a mismatch", err)
	}
	for _, bad := range []string{"", "linux", "/amd64"} {
		if err := e.CheckImagePlatform("unit:1", bad); !errdefs.Is(err, errdefs.ErrInvalid) {
			t.Errorf("CheckImagePlatform(%q) = %v, want invalid", bad, err)
		}
	}
	if err := e.CheckImagePlatform("nosuch:1", here); !errdefs.Is(err, errdefs.ErrNotFound) {
		t.Errorf("CheckImagePlatform(nosuch) = %v, want not found", err)
	}
}

// TestDebugNameNeverTakesAName: a debug sidecar is named "<name>-debug",
// or "-debug2", "-debug3"... when that name is taken: it never clashes
// with (or replaces) an existing container.
func TestDebugNameNeverTakesAName(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	if got := e.debugName("web"); got != "web-debug" {
		t.Errorf("debugName(web) = %q, want web-debug", got)
	}
	mustCreate(t, e, noNet("web-debug"))
	mustCreate(t, e, noNet("web-debug2"))
	if got := e.debugName("web"); got != "web-debug3" {
		t.Errorf("debugName(web) with web-debug and web-debug2 taken = %q, want web-debug3", got)
	}
}

// TestRestartDelayEndsOnStop: the wait before a restart ends without a
// restart when the user stops the container (recorded in its state) or
// the shim is signalled, however long the back-off; it restarts once the
// back-off has passed.
func TestRestartDelayEndsOnStop(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	id := mustCreate(t, e, noNet("flappy"))
	r, err := e.loadRecord(id)
	if err != nil {
		t.Fatal(err)
	}
	s := &shim{e: e, r: r}
	if !s.restartDelay(0, nil) {
		t.Error("restartDelay(0) = false: a restart with no back-off left did not happen")
	}
	wake := make(chan struct{})
	close(wake)
	if s.restartDelay(time.Hour, wake) {
		t.Error("restartDelay(1h) after the shim was signalled = true, want the wait cut short")
	}
	setState(t, e, id, func(st *state) { st.StopRequest = true })
	if s.restartDelay(time.Hour, nil) {
		t.Error("restartDelay(1h) of a container the user stopped = true, want no restart")
	}
}

// TestConfigKeyAsDocker: login and logout key docker.io as docker's config
// file does (its v1 index URL), other registries by host[:port], so the
// same ~/.docker/config.json serves both tools.
func TestConfigKeyAsDocker(t *testing.T) {
	for ref, want := range map[string]string{
		"docker.io":           "https://index.docker.io/v1/",
		"index.docker.io":     "https://index.docker.io/v1/",
		"ghcr.io":             "ghcr.io",
		"localhost:5000":      "localhost:5000",
		"registry.example:80": "registry.example:80",
	} {
		reg, err := name.NewRegistry(ref)
		if err != nil {
			t.Fatalf("NewRegistry(%s) = %v", ref, err)
		}
		if got := configKey(reg); got != want {
			t.Errorf("configKey(%s) = %q, want %q", ref, got, want)
		}
	}
}

// TestPeerEntriesRunningMembersAndLinks: a container's /etc/hosts names
// the other running members of its user networks (name, aliases, short
// ID) and the containers it links to (alias, name); never a stopped one,
// never itself, and on the default network alone nobody.
func TestPeerEntriesRunningMembersAndLinks(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	self := mustCreate(t, e, noNet("self"))
	db := mustCreate(t, e, noNet("db"))
	cache := mustCreate(t, e, noNet("cache"))
	gone := mustCreate(t, e, noNet("gone"))
	other := mustCreate(t, e, noNet("other"))
	on := func(net, ip string) func(*state) {
		return func(s *state) {
			running(s)
			s.Endpoints = []Endpoint{{Network: net, Interface: "eth0", IPAddress: ip, IPPrefixLen: 24}}
		}
	}
	setState(t, e, self, on("front", "10.89.0.2"))
	setState(t, e, db, on("front", "10.89.0.3"))
	setState(t, e, cache, on("bridge", "10.88.0.9"))
	setState(t, e, gone, exited(0))
	setState(t, e, other, on("back", "10.90.0.4"))
	r, err := e.loadRecord(self)
	if err != nil {
		t.Fatal(err)
	}
	r.Host.Links = []string{"cache:kv", "gone"}
	eps := []Endpoint{{Network: "front", IPAddress: "10.89.0.2"}}
	got := map[string]string{}
	for _, h := range e.peerEntries(r, eps) {
		got[h.IP] = strings.Join(h.Names, " ")
	}
	want := map[string]string{"10.89.0.3": "db " + db[:12], "10.88.0.9": "kv cache"}
	if len(got) != len(want) || got["10.89.0.3"] != want["10.89.0.3"] || got["10.88.0.9"] != want["10.88.0.9"] {
		t.Errorf("peerEntries = %q, want %q", got, want)
	}
	r.Host.Links = nil
	if got := e.peerEntries(r, []Endpoint{{Network: "bridge", IPAddress: "10.88.0.2"}}); got != nil {
		t.Errorf("peerEntries on the default network alone = %v, want none", got)
	}
}

// TestNetworkSettingsAsDockerInspects: inspect's NetworkSettings of a
// running container gives each network's address and docker's endpoint
// ID, the default network's address at the top level too, published
// ports with 0.0.0.0 for "all addresses" and asked-for ports not yet
// bound as null; a stopped container keeps only what was asked (its
// networks, aliases and fixed address), no address.
func TestNetworkSettingsAsDockerInspects(t *testing.T) {
	e := unitEngine(t)
	id := strings.Repeat("ab", 32)
	r := &record{ID: id, Name: "web",
		Host:     HostConfig{NetworkMode: "bridge", Links: []string{"db:data"}, PortBindings: map[string][]PortBinding{"80/tcp": {{HostPort: "8080"}}, "53/udp": {{}}}},
		Networks: map[string]EndpointConfig{"bridge": {}, "front": {Aliases: []string{"www"}, IPv4Address: "10.89.0.50"}},
	}
	st := &state{}
	running(st)
	st.Endpoints = []Endpoint{
		{Network: "bridge", NetworkID: "n1", Interface: "eth0", IPAddress: "10.88.0.5", IPPrefixLen: 16, Gateway: "10.88.0.1", MacAddress: "02:42:0a:58:00:05"},
		{Network: "front", NetworkID: "n2", Interface: "eth1", IPAddress: "10.89.0.50", IPPrefixLen: 24, Gateway: "10.89.0.1"},
		{Network: "left-since", Interface: "eth2", IPAddress: "10.91.0.2"},
	}
	st.Ports = []PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostPort: 8443, ContainerPort: 443, Protocol: "tcp", HostIP: "127.0.0.1"}}
	ns := e.networkSettings(r, st)
	if ns.IPAddress != "10.88.0.5" || ns.IPPrefixLen != 16 || ns.Gateway != "10.88.0.1" || ns.MacAddress != "02:42:0a:58:00:05" {
		t.Errorf("top-level settings = %+v, want the default network's", ns)
	}
	if ns.SandboxKey == "" {
		t.Error("a running container on a network has no SandboxKey")
	}
	if len(ns.Networks) != 2 || ns.Networks["left-since"] != nil {
		t.Errorf("networks = %v, want bridge and front only", ns.Networks)
	}
	if f := ns.Networks["front"]; f == nil || f.IPAddress != "10.89.0.50" || f.EndpointID != id[:12]+"-eth1" || f.NetworkID != "n2" ||
		f.IPAMConfig == nil || f.IPAMConfig.IPv4Address != "10.89.0.50" || !slices.Equal(f.Aliases, []string{"www"}) || !slices.Equal(f.Links, []string{"db:data"}) {
		t.Errorf("front = %+v", f)
	}
	if b := ns.Networks["bridge"]; b == nil || b.IPAMConfig != nil {
		t.Errorf("bridge = %+v, want no fixed address", b)
	}
	wantPorts := map[string][]PortBinding{
		"80/tcp":  {{HostIP: "0.0.0.0", HostPort: "8080"}},
		"443/tcp": {{HostIP: "127.0.0.1", HostPort: "8443"}},
		"53/udp":  nil,
	}
	if len(ns.Ports) != len(wantPorts) {
		t.Errorf("ports = %v, want %v", ns.Ports, wantPorts)
	}
	for k, v := range wantPorts {
		if got, ok := ns.Ports[k]; !ok || !slices.Equal(got, v) {
			t.Errorf("ports[%s] = %v (present %v), want %v", k, got, ok, v)
		}
	}

	stopped := e.networkSettings(r, &state{})
	if stopped.IPAddress != "" || stopped.SandboxKey != "" || len(stopped.Ports) != 0 || stopped.Networks["front"] == nil || stopped.Networks["front"].IPAddress != "" {
		t.Errorf("settings of a stopped container = %+v, want its networks without addresses", stopped)
	}
}
