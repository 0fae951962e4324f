package engine

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/layers"
)

// TestParseMountFlagTable: docker's --mount syntax, every key, and the
// combinations it refuses.
func TestParseMountFlagTable(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Mount
		err  string
	}{
		{"type=bind,src=/a,dst=/b,ro", Mount{Type: "bind", Source: "/a", Target: "/b", ReadOnly: true}, ""},
		{"type=bind,source=/a,target=/b,readonly=false,bind-propagation=rslave,bind-nonrecursive", Mount{Type: "bind", Source: "/a", Target: "/b", BindOptions: &BindOptions{Propagation: "rslave", NonRecursive: true}}, ""},
		{"target=/v,source=vol,volume-nocopy=true,volume-label=a=b,volume-driver=local", Mount{Type: "volume", Source: "vol", Target: "/v", VolumeOptions: &VolumeOptions{NoCopy: true, Labels: map[string]string{"a": "b"}}}, ""},
		{"type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770,consistency=cached", Mount{Type: "tmpfs", Target: "/t", Consistency: "cached", TmpfsOptions: &TmpfsOptions{SizeBytes: 1 << 20, Mode: 0o1770}}, ""},
		{"TYPE=volume, target=/v", Mount{Type: "volume", Target: "/v"}, ""},
		{"type=bind,src=/a,dst=/b,ro=maybe", Mount{}, "readonly takes true or false"},
		{"type=bind,src=/a,dst=/b,bind-propagation=sideways", Mount{}, "bind-propagation must be"},
		{"target=/v,volume-nocopy=2", Mount{}, "volume-nocopy takes"},
		{"type=tmpfs,dst=/t,tmpfs-size=huge", Mount{}, "tmpfs-size"},
		{"type=tmpfs,dst=/t,tmpfs-mode=9", Mount{}, "octal mode"},
		{"target=/v,volume-label==x", Mount{}, "volume-label takes KEY=VALUE"},
		{"target=/v,volume-driver=nfs", Mount{}, "only the local driver"},
		{"target=/v,volume-opt=o=x", Mount{}, "takes no options"},
		{"type=bind,src=/a,dst=/b,bind-nonrecursive=x", Mount{}, "bind-nonrecursive takes"},
		{"target=/v,colour=red", Mount{}, `unknown option "colour"`},
		{"type=npipe,target=/v", Mount{}, "type must be bind, volume or tmpfs"},
		{"type=volume", Mount{}, "target is required"},
		{"type=bind,target=/b", Mount{}, "needs a source"},
		{"type=tmpfs,src=x,target=/t", Mount{}, "has no source"},
		{"type=volume,target=/v,bind-propagation=shared", Mount{}, "does not fit type=volume"},
		{"type=bind,src=/a,target=/v,tmpfs-size=1m", Mount{}, "does not fit type=bind"},
		{"type=tmpfs,target=/v,volume-nocopy", Mount{}, "does not fit type=tmpfs"},
	} {
		got, err := ParseMountFlag(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, errdefs.ErrInvalid) {
				t.Errorf("ParseMountFlag(%q) = %v, want ErrInvalid saying %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseMountFlag(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

// TestParseBindTable: docker's -v syntax: anonymous, named and host
// paths, modes and propagation, and what it refuses.
func TestParseBindTable(t *testing.T) {
	for _, c := range []struct {
		in   string
		want MountPoint
		err  string
	}{
		{"/data", MountPoint{Type: "volume", Destination: "/data", RW: true, Propagation: "rprivate"}, ""},
		{"/data:ro", MountPoint{Type: "volume", Destination: "/data", RW: false, Propagation: "rprivate", Mode: "ro"}, ""},
		{"name:/data", MountPoint{Type: "volume", Name: "name", Destination: "/data", RW: true, Propagation: "rprivate"}, ""},
		{"/host/../h:/c/./d:ro,rshared,z", MountPoint{Type: "bind", Source: "/h", Destination: "/c/d", RW: false, Propagation: "rshared", Mode: "ro,rshared,z"}, ""},
		{"vol:/d:rw,nocopy", MountPoint{Type: "volume", Name: "vol", Destination: "/d", RW: true, NoCopy: true, Propagation: "rprivate", Mode: "rw,nocopy"}, ""},
		{"a::/b", MountPoint{}, "empty section"},
		{"a:/b:ro:x", MountPoint{}, "too many colons"},
		{"/a:rel", MountPoint{}, `unknown option "rel"`},
		{"a:b", MountPoint{}, "must be absolute"},
		{"./rel:/b", MountPoint{}, "host path must be absolute"},
		{"sub/dir:/b", MountPoint{}, "host path must be absolute"},
		{"x:/b", MountPoint{}, "too short"},
		{"/a:/b:exec", MountPoint{}, `unknown option "exec"`},
	} {
		got, err := parseBind(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseBind(%q) = %+v, %v; want an error saying %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseBind(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestCheckTmpfsOptions(t *testing.T) {
	for in, ok := range map[string]bool{
		"": true, "ro,noexec": true, "size=10%": true, "size=64m,mode=1777,uid=1000,gid=1000,nr_inodes=1k,mpol=default": true,
		"bogus": false, "size=lots": false, "mode=999": false, "colour=red": false, "uid=x": false,
	} {
		if err := checkTmpfsOptions(in); (err == nil) != ok {
			t.Errorf("checkTmpfsOptions(%q) = %v, want ok %v", in, err, ok)
		}
	}
	if got := tmpfsOptions(1<<20, 0o700); got != "size=1048576,mode=700" {
		t.Errorf("tmpfsOptions = %q", got)
	}
	if got := tmpfsOptions(0, 0); got != "" {
		t.Errorf("tmpfsOptions(0, 0) = %q", got)
	}
}

func TestParseDeviceTable(t *testing.T) {
	for _, c := range []struct {
		in   string
		want DeviceMapping
		ok   bool
	}{
		{"/dev/a", DeviceMapping{"/dev/a", "/dev/a", "rwm"}, true},
		{"/dev/a:r", DeviceMapping{"/dev/a", "/dev/a", "r"}, true},
		{"/dev/a:/dev/b", DeviceMapping{"/dev/a", "/dev/b", "rwm"}, true},
		{"/dev/a:/dev/b:mw", DeviceMapping{"/dev/a", "/dev/b", "mw"}, true},
		{"/dev/a:/dev/b:rr", DeviceMapping{}, false},
		{"/dev/a:/dev/b:x", DeviceMapping{}, false},
		{"/dev/a:/dev/b:rwmw", DeviceMapping{}, false},
		{"dev/a", DeviceMapping{}, false},
		{"/dev/a:b", DeviceMapping{}, false},
		{"/a:/b:r:x", DeviceMapping{}, false},
	} {
		got, err := ParseDevice(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseDevice(%q) = %+v, %v; want %+v ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseUlimitTable(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Ulimit
		ok   bool
	}{
		{"core=0", Ulimit{"core", 0, 0}, true},
		{"core=1:2", Ulimit{"core", 1, 2}, true},
		{"core=2:1", Ulimit{}, false},
		{"nonsense=1", Ulimit{}, false},
		{"core", Ulimit{}, false},
	} {
		got, err := ParseUlimit(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseUlimit(%q) = %+v, %v; want %+v ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	if rl := processRlimits([]Ulimit{{"nofile", 10, 20}, {"bogus", 1, 1}, {"core", -1, -1}}); len(rl) != 2 || rl[0].Type != unix.RLIMIT_NOFILE || rl[0].Soft != 10 || rl[1].Hard != unix.RLIM_INFINITY {
		t.Errorf("processRlimits = %+v", rl)
	}
}

func TestEtcOptions(t *testing.T) {
	h := HostConfig{ExtraHosts: []string{"db:10.0.0.2", "v6=[::1]", "gw:host-gateway"}}
	if err := validateEtcOptions(h); err != nil {
		t.Fatalf("validateEtcOptions(%v) = %v", h.ExtraHosts, err)
	}
	got := extraHostEntries(h, []Endpoint{{Gateway: "10.1.0.1"}})
	if len(got) != 3 || got[0].IP != "10.0.0.2" || got[1].IP != "::1" || got[2].IP != "10.1.0.1" {
		t.Errorf("extraHostEntries = %+v", got)
	}
	if got := extraHostEntries(h, nil); len(got) != 2 {
		t.Errorf("extraHostEntries without a network = %+v, want host-gateway left out", got)
	}
	if _, ok := customResolvConf(HostConfig{}, "/nonexistent"); ok {
		t.Errorf("customResolvConf without --dns* options wants a file of its own")
	}
	host := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(host, []byte("nameserver 127.0.0.53\nsearch lan corp\noptions edns0\n"), 0o644)
	content, ok := customResolvConf(HostConfig{DNS: []string{"1.1.1.1"}}, host)
	if !ok || !strings.Contains(content, "nameserver 1.1.1.1") || strings.Contains(content, "127.0.0.53") || !strings.Contains(content, "search lan corp") || !strings.Contains(content, "options edns0") {
		t.Errorf("customResolvConf(--dns) =\n%s", content)
	}
	content, _ = customResolvConf(HostConfig{DNSSearch: []string{"."}, DNSOptions: []string{"ndots:2"}}, host)
	if strings.Contains(content, "\nsearch ") || !strings.Contains(content, "options ndots:2") || strings.Contains(content, "edns0") {
		t.Errorf("customResolvConf(--dns-search . --dns-option ndots:2) =\n%s", content)
	}
}

func TestHealthHelpers(t *testing.T) {
	d := healthDefaults(HealthConfig{})
	if d.Interval == 0 || d.Timeout == 0 || d.StartInterval == 0 || d.Retries == 0 {
		t.Errorf("healthDefaults = %+v", d)
	}
	if d := healthDefaults(HealthConfig{Retries: 7}); d.Retries != 7 {
		t.Errorf("healthDefaults kept Retries %d, want 7", d.Retries)
	}
	if got := healthArgv(&HealthConfig{Test: []string{"CMD-SHELL", "curl", "-f", "x"}}); !reflect.DeepEqual(got, []string{"/bin/sh", "-c", "curl -f x"}) {
		t.Errorf("healthArgv(CMD-SHELL) = %q", got)
	}
	if got := healthArgv(&HealthConfig{Test: []string{"CMD", "true"}}); !reflect.DeepEqual(got, []string{"true"}) {
		t.Errorf("healthArgv(CMD) = %q", got)
	}
	for h, want := range map[string]string{"": "", HealthStarting: " (health: starting)", HealthHealthy: " (healthy)", HealthUnhealthy: " (unhealthy)"} {
		if got := healthSuffix(h); got != want {
			t.Errorf("healthSuffix(%q) = %q, want %q", h, got, want)
		}
	}
	// The STATUS column of a list is docker's, health included, for a
	// container whose check has not reported yet too (ps right after run).
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		c    ContainerSummary
		want string
	}{
		{ContainerSummary{State: StatusRunning, StartedAt: now.Add(-3 * time.Minute), Health: HealthStarting}, "Up 3 minutes (health: starting)"},
		{ContainerSummary{State: StatusRunning, StartedAt: now.Add(-3 * time.Minute), Health: HealthUnhealthy}, "Up 3 minutes (unhealthy)"},
		{ContainerSummary{State: StatusRunning, StartedAt: now.Add(-3 * time.Minute)}, "Up 3 minutes"},
		{ContainerSummary{State: StatusPaused, StartedAt: now.Add(-3 * time.Minute), Health: HealthHealthy}, "Up 3 minutes (Paused)"},
		{ContainerSummary{State: StatusExited, ExitCode: 137, FinishedAt: now.Add(-2 * time.Second)}, "Exited (137) 2 seconds ago"},
		{ContainerSummary{State: StatusRestarting, ExitCode: 1, FinishedAt: now.Add(-5 * time.Second)}, "Restarting (1) 5 seconds ago"},
		{ContainerSummary{State: StatusCreated}, "Created"},
		{ContainerSummary{State: StatusDead}, "Dead"},
	} {
		if got := tc.c.StatusAt(now); got != tc.want {
			t.Errorf("StatusAt(%s, health %q) = %q, want %q", tc.c.State, tc.c.Health, got, tc.want)
		}
	}
	for v, ok := range map[string]bool{"healthy": true, "unhealthy": true, "starting": true, "none": true, "sick": false} {
		if err := ParseHealthStatus(v); (err == nil) != ok {
			t.Errorf("ParseHealthStatus(%q) = %v", v, err)
		}
	}
	r := &record{Config: recordConfig{Healthcheck: &HealthConfig{Test: []string{"CMD", "x"}}}}
	if got := healthOf(r, &state{}); got != HealthStarting {
		t.Errorf("healthOf(no result yet) = %q, want starting", got)
	}
	if got := healthOf(r, &state{Health: &Health{Status: HealthUnhealthy}}); got != HealthUnhealthy {
		t.Errorf("healthOf = %q", got)
	}
	if got := healthOf(&record{}, &state{}); got != "" {
		t.Errorf("healthOf(no check) = %q", got)
	}
}

// TestCommitConfig: commit keeps the image's config and takes what the
// container changed (user, env, command, working directory, labels, stop
// signal other than the default).
func TestCommitConfig(t *testing.T) {
	img := layers.ImageConfig{User: "u", WorkingDir: "", Labels: map[string]string{"a": "1"}, StopSignal: "SIGINT"}
	r := &record{Config: recordConfig{User: "v", Env: []string{"E=1"}, Cmd: []string{"c"}, WorkingDir: "/"}, StopSignal: "SIGTERM"}
	c := commitConfig(img, r)
	if c.User != "v" || c.Env[0] != "E=1" || c.Cmd[0] != "c" || c.WorkingDir != "" || c.Labels["a"] != "1" || c.StopSignal != "SIGINT" {
		t.Errorf("commitConfig = %+v", c)
	}
	r.Config.WorkingDir, r.Config.Labels, r.StopSignal = "/w", map[string]string{"b": "2"}, "SIGUSR1"
	c = commitConfig(img, r)
	if c.WorkingDir != "/w" || c.Labels["b"] != "2" || c.StopSignal != "SIGUSR1" {
		t.Errorf("commitConfig = %+v", c)
	}
}

// TestStartReport: the shim's one-line verdict becomes a StartError with
// its exit code, an early end a one-line ErrUnavailable naming the log.
func TestStartReport(t *testing.T) {
	r := &record{ID: strings.Repeat("a", 64), Name: "web"}
	read := func(s string) error { return readStartReport(r, bufio.NewReader(strings.NewReader(s))) }
	if err := read("ok 123\n"); err != nil {
		t.Errorf("readStartReport(ok) = %v", err)
	}
	var se *StartError
	if err := read("err 127 exec: \"nope\": not found\n"); !errors.As(err, &se) || se.Code != 127 || se.Container != "web" || !strings.Contains(se.Msg, "not found") {
		t.Errorf("readStartReport(err 127) = %#v", err)
	}
	if err := read(""); !errors.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), "shim.log") {
		t.Errorf("readStartReport(EOF) = %v", err)
	}
	if err := read("banana\n"); err == nil || !strings.Contains(err.Error(), "unexpected shim report") {
		t.Errorf("readStartReport(banana) = %v", err)
	}
	if got := oneLineErr(errors.New(" a\nb\n")); got != "a; b" {
		t.Errorf("oneLineErr = %q", got)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/sys/fs/cgroup`: "/sys/fs/cgroup", `/a\040b`: "/a b", `/x\134y`: `/x\y`, `/bad\9`: `/bad\9`} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckStat: a store directory must be a directory owned by this user
// and writable by no one else (a sticky world-writable parent like /tmp
// is allowed on the way, never as the store itself).
func TestCheckStat(t *testing.T) {
	me := uint32(os.Geteuid())
	for _, c := range []struct {
		st   unix.Stat_t
		last bool
		want error
	}{
		{unix.Stat_t{Mode: unix.S_IFDIR | 0o755, Uid: me}, true, nil},
		{unix.Stat_t{Mode: unix.S_IFREG | 0o755, Uid: me}, true, errdefs.ErrInvalid},
		{unix.Stat_t{Mode: unix.S_IFDIR | 0o755, Uid: me + 1}, true, errdefs.ErrPermission},
		{unix.Stat_t{Mode: unix.S_IFDIR | 0o775, Uid: me}, true, errdefs.ErrPermission},
		{unix.Stat_t{Mode: unix.S_IFDIR | 0o757, Uid: me}, false, errdefs.ErrPermission},
		{unix.Stat_t{Mode: unix.S_IFDIR | unix.S_ISVTX | 0o777, Uid: me}, false, nil},
		{unix.Stat_t{Mode: unix.S_IFDIR | unix.S_ISVTX | 0o777, Uid: me}, true, errdefs.ErrPermission},
	} {
		err := checkStat(&c.st, "/d", c.last, owners{self: uint32(os.Geteuid())})
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("checkStat(mode %o uid %d, last %v) = %v, want %v", c.st.Mode, c.st.Uid, c.last, err, c.want)
		}
	}
	if got := splitPath("/a//b/./c/"); !reflect.DeepEqual(got, []string{"a", "b", ".", "c"}) {
		t.Errorf("splitPath = %q", got)
	}
}
