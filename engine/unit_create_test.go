package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestUnitCreateRefusesBadOptions: each bad option is refused at create
// with one line naming it, and nothing is left in the store (no record, no
// name, no volume).
func TestUnitCreateRefusesBadOptions(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	testImage(t, e, "nocmd:1", "ENV A=1")
	mustCreate(t, e, CreateOptions{Name: "taken", Image: "unit:1", Host: HostConfig{NetworkMode: "none"}})
	none := func(h HostConfig) HostConfig { h.NetworkMode = "none"; return h }
	neg := -5
	bad := []string{"a\x00b"}
	for _, c := range []struct {
		name string
		o    CreateOptions
		want string
	}{
		{"no image", CreateOptions{}, "no image given"},
		{"unknown image", CreateOptions{Image: "missing:1"}, "missing"},
		{"no command", CreateOptions{Image: "nocmd:1", Host: none(HostConfig{})}, "no command specified"},
		{"long hostname", CreateOptions{Image: "unit:1", Hostname: strings.Repeat("h", 65)}, "longer than 64"},
		{"hostname slash", CreateOptions{Image: "unit:1", Hostname: "a/b"}, "invalid hostname"},
		{"env without name", CreateOptions{Image: "unit:1", Env: []string{"=x"}}, "invalid environment variable"},
		{"env NUL", CreateOptions{Image: "unit:1", Env: []string{"A=\x00"}}, "invalid environment variable"},
		{"empty label", CreateOptions{Image: "unit:1", Labels: map[string]string{" ": "v"}}, "invalid label"},
		{"cmd NUL", CreateOptions{Image: "unit:1", Cmd: []string{"a\x00"}}, "NUL byte"},
		{"entrypoint NUL", CreateOptions{Image: "unit:1", Entrypoint: &bad}, "NUL byte"},
		{"relative workdir", CreateOptions{Image: "unit:1", WorkingDir: "rel"}, "not an absolute path"},
		{"user two colons", CreateOptions{Image: "unit:1", User: "a:b:c"}, "invalid user"},
		{"stop signal", CreateOptions{Image: "unit:1", StopSignal: "NOPE"}, "invalid stop signal"},
		{"stop timeout", CreateOptions{Image: "unit:1", StopTimeout: &neg, Host: none(HostConfig{})}, "invalid stop timeout"},
		{"negative memory", CreateOptions{Image: "unit:1", Host: HostConfig{Memory: -1}}, "must not be negative"},
		{"tiny memory", CreateOptions{Image: "unit:1", Host: HostConfig{Memory: 1 << 20}}, "minimum memory limit allowed is 6MB"},
		{"swap below -1", CreateOptions{Image: "unit:1", Host: HostConfig{MemorySwap: -2}}, "invalid --memory-swap"},
		{"swap without memory", CreateOptions{Image: "unit:1", Host: HostConfig{MemorySwap: 64 << 20}}, "always set the memory limit"},
		{"swap below memory", CreateOptions{Image: "unit:1", Host: HostConfig{Memory: 64 << 20, MemorySwap: 32 << 20}}, "larger than memory limit"},
		{"cpus too few", CreateOptions{Image: "unit:1", Host: HostConfig{NanoCPUs: 1e6}}, "range of CPUs"},
		{"cpus too many", CreateOptions{Image: "unit:1", Host: HostConfig{NanoCPUs: 1e15}}, "range of CPUs"},
		{"ulimit unknown", CreateOptions{Image: "unit:1", Host: HostConfig{Ulimits: []Ulimit{{Name: "bogus", Soft: 1, Hard: 1}}}}, "unknown resource"},
		{"ulimit soft above hard", CreateOptions{Image: "unit:1", Host: HostConfig{Ulimits: []Ulimit{{Name: "core", Soft: 2, Hard: 1}}}}, "soft limit must not exceed"},
		{"ulimit twice", CreateOptions{Image: "unit:1", Host: HostConfig{Ulimits: []Ulimit{{Name: "core", Soft: 1, Hard: 1}, {Name: "core", Soft: 1, Hard: 1}}}}, "given twice"},
		{"pid mode", CreateOptions{Image: "unit:1", Host: HostConfig{PidMode: "weird"}}, "invalid mode"},
		{"pid container missing", CreateOptions{Image: "unit:1", Host: HostConfig{PidMode: "container:ghost"}}, "ghost"},
		{"ipc mode", CreateOptions{Image: "unit:1", Host: HostConfig{IpcMode: "weird"}}, "invalid mode"},
		{"uts mode", CreateOptions{Image: "unit:1", Host: HostConfig{UTSMode: "weird"}}, "invalid mode"},
		{"hostname with uts host", CreateOptions{Image: "unit:1", Hostname: "h", Host: HostConfig{UTSMode: "host"}}, "--hostname and --uts"},
		{"hostname with network container", CreateOptions{Image: "unit:1", Hostname: "h", Host: HostConfig{NetworkMode: "container:taken"}}, "--hostname and --network"},
		{"network container missing", CreateOptions{Image: "unit:1", Host: HostConfig{NetworkMode: "container:ghost"}}, "ghost"},
		{"restart with rm", CreateOptions{Image: "unit:1", Host: HostConfig{AutoRemove: true, RestartPolicy: RestartPolicy{Name: "always"}}}, "--restart always and --rm"},
		{"restart name", CreateOptions{Image: "unit:1", Host: HostConfig{RestartPolicy: RestartPolicy{Name: "sometimes"}}}, "restart policy"},
		{"restart count", CreateOptions{Image: "unit:1", Host: HostConfig{RestartPolicy: RestartPolicy{Name: "always", MaximumRetryCount: 2}}}, "maximum retry count"},
		{"group empty", CreateOptions{Image: "unit:1", Host: HostConfig{GroupAdd: []string{""}}}, "--group-add"},
		{"group negative", CreateOptions{Image: "unit:1", Host: HostConfig{GroupAdd: []string{"-3"}}}, "negative group ID"},
		{"cap unknown", CreateOptions{Image: "unit:1", Host: HostConfig{CapAdd: []string{"CAP_BOGUS"}}}, "capability"},
		{"security opt", CreateOptions{Image: "unit:1", Host: HostConfig{SecurityOpt: []string{"bogus=x"}}}, "security option"},
		{"expose range", CreateOptions{Image: "unit:1", ExposedPorts: []string{"90-80"}}, "--expose"},
		{"publish with network container", CreateOptions{Image: "unit:1", Host: HostConfig{NetworkMode: "container:taken", PortBindings: map[string][]PortBinding{"80/tcp": {{HostPort: "8080"}}}}}, "port publishing"},
		{"alias on none", CreateOptions{Image: "unit:1", NetworkAliases: []string{"a"}, Host: HostConfig{NetworkMode: "none"}}, "aliases"},
		{"link on none", CreateOptions{Image: "unit:1", Host: HostConfig{NetworkMode: "none", Links: []string{"taken"}}}, "--link and --network"},
		{"cpu shares", CreateOptions{Image: "unit:1", Host: none(HostConfig{CPUShares: 1})}, "--cpu-shares"},
		{"cpuset syntax", CreateOptions{Image: "unit:1", Host: none(HostConfig{CpusetCpus: "x"})}, "--cpuset-cpus"},
		{"cpuset absent cpu", CreateOptions{Image: "unit:1", Host: none(HostConfig{CpusetCpus: "4096"})}, "not available on this host"},
		{"reservation above memory", CreateOptions{Image: "unit:1", Host: none(HostConfig{Memory: 64 << 20, MemoryReservation: 128 << 20})}, "memory reservation"},
		{"shm negative", CreateOptions{Image: "unit:1", Host: none(HostConfig{ShmSize: -1})}, "--shm-size"},
		{"sysctl not namespaced", CreateOptions{Image: "unit:1", Host: none(HostConfig{Sysctls: map[string]string{"vm.swappiness": "1"}})}, "not namespaced"},
		{"sysctl ipc host", CreateOptions{Image: "unit:1", Host: none(HostConfig{IpcMode: "host", Sysctls: map[string]string{"kernel.shmmax": "1"}})}, "host's IPC namespace"},
		{"sysctl net host", CreateOptions{Image: "unit:1", Host: HostConfig{NetworkMode: "host", Sysctls: map[string]string{"net.ipv4.ip_forward": "1"}}}, "another network namespace"},
		{"device missing", CreateOptions{Image: "unit:1", Host: none(HostConfig{Devices: []DeviceMapping{{PathOnHost: "/dev/nonexistent-berth", PathInContainer: "/dev/x", CgroupPermissions: "rwm"}}})}, "/dev/nonexistent-berth"},
		{"add-host no separator", CreateOptions{Image: "unit:1", Host: none(HostConfig{ExtraHosts: []string{"nohost"}})}, "--add-host"},
		{"add-host empty name", CreateOptions{Image: "unit:1", Host: none(HostConfig{ExtraHosts: []string{":1.2.3.4"}})}, "invalid host name"},
		{"add-host bad ip", CreateOptions{Image: "unit:1", Host: none(HostConfig{ExtraHosts: []string{"h:999.1.1.1"}})}, "invalid IP address"},
		{"dns", CreateOptions{Image: "unit:1", Host: none(HostConfig{DNS: []string{"resolver"}})}, "not an ip address"},
		{"log driver", CreateOptions{Image: "unit:1", Host: none(HostConfig{LogConfig: LogConfig{Type: "syslog"}})}, "log driver"},
		{"log none with opts", CreateOptions{Image: "unit:1", Host: none(HostConfig{LogConfig: LogConfig{Type: "none", Config: map[string]string{"max-size": "1m"}}})}, "takes no options"},
		{"log opt unknown", CreateOptions{Image: "unit:1", Host: none(HostConfig{LogConfig: LogConfig{Config: map[string]string{"labels": "x"}}})}, "unknown log opt"},
		{"log max-size", CreateOptions{Image: "unit:1", Host: none(HostConfig{LogConfig: LogConfig{Config: map[string]string{"max-size": "lots"}}})}, "max-size"},
		{"log max-file", CreateOptions{Image: "unit:1", Host: none(HostConfig{LogConfig: LogConfig{Config: map[string]string{"max-size": "1m", "max-file": "0"}}})}, "max-file"},
		{"log compress", CreateOptions{Image: "unit:1", Host: none(HostConfig{LogConfig: LogConfig{Config: map[string]string{"max-size": "1m", "compress": "maybe"}}})}, "compress"},
		{"log max-file alone", CreateOptions{Image: "unit:1", Host: none(HostConfig{LogConfig: LogConfig{Config: map[string]string{"max-file": "2"}}})}, "without max-size"},
		{"health none with command", CreateOptions{Image: "unit:1", Host: none(HostConfig{}), Healthcheck: &HealthConfig{Test: []string{"NONE", "x"}}}, "NONE takes no command"},
		{"health cmd empty", CreateOptions{Image: "unit:1", Host: none(HostConfig{}), Healthcheck: &HealthConfig{Test: []string{"CMD"}}}, "needs a command"},
		{"health test kind", CreateOptions{Image: "unit:1", Host: none(HostConfig{}), Healthcheck: &HealthConfig{Test: []string{"RUN", "x"}}}, "must start with NONE"},
		{"health retries", CreateOptions{Image: "unit:1", Host: none(HostConfig{}), Healthcheck: &HealthConfig{Test: []string{"CMD", "x"}, Retries: -1}}, "retries"},
		{"health interval", CreateOptions{Image: "unit:1", Host: none(HostConfig{}), Healthcheck: &HealthConfig{Test: []string{"CMD", "x"}, Interval: 1}}, "must be at least"},
		{"name taken", CreateOptions{Name: "taken", Image: "unit:1", Host: none(HostConfig{})}, "taken"},
		{"bind relative destination", CreateOptions{Image: "unit:1", Host: none(HostConfig{Binds: []string{"/tmp:rel"}})}, "invalid volume specification"},
		{"bind bad mode", CreateOptions{Image: "unit:1", Host: none(HostConfig{Binds: []string{"/tmp:/x:zz"}})}, "invalid volume specification"},
		{"mount target relative", CreateOptions{Image: "unit:1", Host: none(HostConfig{Mounts: []Mount{{Type: "tmpfs", Target: "rel"}}})}, "must be an absolute path"},
		{"mount bind source relative", CreateOptions{Image: "unit:1", Host: none(HostConfig{Mounts: []Mount{{Type: "bind", Source: "rel", Target: "/x"}}})}, "bind source must be an absolute path"},
		{"mount bind source missing", CreateOptions{Image: "unit:1", Host: none(HostConfig{Mounts: []Mount{{Type: "bind", Source: "/nonexistent-berth", Target: "/x"}}})}, "does not exist"},
		{"tmpfs relative", CreateOptions{Image: "unit:1", Host: none(HostConfig{Tmpfs: map[string]string{"rel": ""}})}, "must be absolute"},
		{"tmpfs options", CreateOptions{Image: "unit:1", Host: none(HostConfig{Tmpfs: map[string]string{"/t": "bogus"}})}, "--tmpfs"},
		{"duplicate mount point", CreateOptions{Image: "unit:1", Host: none(HostConfig{Binds: []string{"vol1:/x", "vol2:/x"}})}, "duplicate mount point"},
		{"volumes-from mode", CreateOptions{Image: "unit:1", Host: none(HostConfig{VolumesFrom: []string{"taken:rx"}})}, "mode must be ro or rw"},
		{"volumes-from missing", CreateOptions{Image: "unit:1", Host: none(HostConfig{VolumesFrom: []string{"ghost"}})}, "ghost"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.Create(c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Create(%s) = %v, want an error with %q", c.name, err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Create(%s): error of more than one line: %q", c.name, err)
			}
		})
	}
	// Nothing half-made: only "taken" exists, and no volume was left by
	// the refused binds (vol1, vol2).
	list, err := e.List(true)
	if err != nil || len(list) != 1 {
		t.Errorf("after refused creates List(true) = %d containers, %v; want 1", len(list), err)
	}
	vols, err := e.ListVolumes()
	if err != nil || len(vols) != 0 {
		t.Errorf("after refused creates ListVolumes() = %v, %v; want none", vols, err)
	}
	if ids, err := e.containerIDs(); err != nil || len(ids) != 1 {
		t.Errorf("containers/ holds %v after refused creates, want 1 container", ids)
	}
	if _, err := os.Stat(filepath.Join(e.root, "volumes", "vol1")); err == nil {
		t.Errorf("refused create left volume vol1")
	}
}

// TestUnitCreateErrorClasses: a bad option is ErrInvalid, an unknown image
// ErrNotFound, a taken name ErrAlreadyExists (the CLI's exit codes and
// hints follow the class).
func TestUnitCreateErrorClasses(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1")
	mustCreate(t, e, CreateOptions{Name: "a", Image: "unit:1", Host: HostConfig{NetworkMode: "none"}})
	for _, c := range []struct {
		o    CreateOptions
		want error
	}{
		{CreateOptions{Image: "unit:1", Hostname: "a b"}, errdefs.ErrInvalid},
		{CreateOptions{Image: "ghost:1"}, errdefs.ErrNotFound},
		{CreateOptions{Name: "a", Image: "unit:1", Host: HostConfig{NetworkMode: "none"}}, errdefs.ErrAlreadyExists},
	} {
		if _, err := e.Create(c.o); !errors.Is(err, c.want) {
			t.Errorf("Create(%+v) = %v, want %v", c.o, err, c.want)
		}
	}
}
