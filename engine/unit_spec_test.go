package engine

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// specOf creates a container with o (image unit:1, network none unless
// set) and returns the runtime spec berth would start it with.
func specOf(t *testing.T, e *Engine, o CreateOptions) *specs.Spec {
	t.Helper()
	if o.Image == "" {
		o.Image = "unit:1"
	}
	if o.Host.NetworkMode == "" {
		o.Host.NetworkMode = "none"
	}
	id := mustCreate(t, e, o)
	s, err := e.RuntimeSpec(id)
	if err != nil {
		t.Fatalf("RuntimeSpec(%+v) = %v", o, err)
	}
	return s
}

func mountAt(s *specs.Spec, dst string) *specs.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dst {
			return &s.Mounts[i]
		}
	}
	return nil
}

func hasNamespace(s *specs.Spec, typ specs.LinuxNamespaceType) (specs.LinuxNamespace, bool) {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == typ {
			return ns, true
		}
	}
	return specs.LinuxNamespace{}, false
}

// TestUnitSpecFromRecord: the runtime spec follows the record and the
// image config: command, env, user and groups from the image's files,
// limits, mounts, namespaces, capabilities, masked paths and seccomp.
func TestUnitSpecFromRecord(t *testing.T) {
	e := unitEngine(t)
	testImage(t, e, "unit:1", `ENTRYPOINT ["/bin/true"]`, `CMD ["img"]`, "ENV A=1", "WORKDIR /srv", "USER www", "VOLUME /data")
	src := t.TempDir()

	t.Run("defaults", func(t *testing.T) {
		s := specOf(t, e, CreateOptions{Hostname: "box", Env: []string{"B=2"}})
		if got := s.Process.Args; !slices.Equal(got, []string{"/bin/true", "img"}) {
			t.Errorf("Args = %q", got)
		}
		if !slices.Contains(s.Process.Env, "A=1") || !slices.Contains(s.Process.Env, "B=2") {
			t.Errorf("Env = %q, want the image's A=1 and the option's B=2", s.Process.Env)
		}
		if s.Process.Cwd != "/srv" || s.Hostname != "box" {
			t.Errorf("Cwd = %q, Hostname = %q", s.Process.Cwd, s.Hostname)
		}
		if s.Process.User.UID != 33 || s.Process.User.GID != 33 {
			t.Errorf("User = %+v, want www (33:33) from the image's /etc/passwd", s.Process.User)
		}
		if len(s.Linux.MaskedPaths) == 0 || len(s.Linux.ReadonlyPaths) == 0 || s.Linux.Seccomp == nil {
			t.Errorf("unprivileged spec lacks masked paths, read-only paths or seccomp")
		}
		if slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") {
			t.Errorf("default capabilities include CAP_SYS_ADMIN")
		}
		if m := mountAt(s, "/data"); m == nil || m.Type != "bind" {
			t.Errorf("image VOLUME /data: mount = %+v, want an anonymous volume bind", m)
		}
		if m := mountAt(s, "/dev/shm"); m == nil || !slices.Contains(m.Options, "size=65536k") {
			t.Errorf("/dev/shm = %+v, want docker's 64 MiB", m)
		}
		for _, ns := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.MountNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.NetworkNamespace} {
			if n, ok := hasNamespace(s, ns); !ok || n.Path != "" {
				t.Errorf("namespace %s = %+v, %v; want a new one", ns, n, ok)
			}
		}
		if !strings.HasPrefix(s.Linux.CgroupsPath, e.cgroupParent()+"/") {
			t.Errorf("CgroupsPath = %q, want it under the store's parent %q", s.Linux.CgroupsPath, e.cgroupParent())
		}
	})
	t.Run("options", func(t *testing.T) {
		ep := []string{"/bin/true", "-x"}
		s := specOf(t, e, CreateOptions{
			Entrypoint: &ep, Cmd: []string{"arg"}, User: "0:50", WorkingDir: "/w", Tty: true,
			Host: HostConfig{
				Memory: 64 << 20, MemorySwap: 128 << 20, NanoCPUs: 5e8, PidsLimit: 10, CPUShares: 512,
				CpusetCpus: "0", MemoryReservation: 32 << 20, ShmSize: 1 << 20, ReadonlyRootfs: true,
				CapAdd: []string{"NET_ADMIN"}, CapDrop: []string{"CHOWN"}, GroupAdd: []string{"77"},
				SecurityOpt: []string{"no-new-privileges", "seccomp=unconfined"},
				Ulimits:     []Ulimit{{Name: "core", Soft: 0, Hard: 0}},
				Binds:       []string{src + ":/src:ro", "named:/named"},
				Tmpfs:       map[string]string{"/t": "size=1m"},
				Mounts:      []Mount{{Type: "bind", Source: src, Target: "/m", BindOptions: &BindOptions{Propagation: "rslave", NonRecursive: true}}},
				Sysctls:     map[string]string{"kernel.shmmax": "1000"},
				Devices:     []DeviceMapping{{PathOnHost: "/dev/null", PathInContainer: "/dev/mynull", CgroupPermissions: "rw"}},
			},
		})
		if got := s.Process.Args; !slices.Equal(got, []string{"/bin/true", "-x", "arg"}) {
			t.Errorf("Args = %q", got)
		}
		if s.Process.User.UID != 0 || s.Process.User.GID != 50 || !slices.Contains(s.Process.User.AdditionalGids, 77) {
			t.Errorf("User = %+v, want 0:50 with group 77 added", s.Process.User)
		}
		if s.Process.Cwd != "/w" || !s.Process.Terminal || !s.Root.Readonly || !s.Process.NoNewPrivileges {
			t.Errorf("Cwd %q Terminal %v Readonly %v NoNewPrivileges %v", s.Process.Cwd, s.Process.Terminal, s.Root.Readonly, s.Process.NoNewPrivileges)
		}
		if s.Linux.Seccomp != nil {
			t.Errorf("seccomp=unconfined still has a seccomp profile")
		}
		caps := s.Process.Capabilities.Bounding
		if !slices.Contains(caps, "CAP_NET_ADMIN") || slices.Contains(caps, "CAP_CHOWN") {
			t.Errorf("capabilities = %v, want NET_ADMIN added and CHOWN dropped", caps)
		}
		r := s.Linux.Resources
		if r.Memory == nil || *r.Memory.Limit != 64<<20 || *r.Memory.Swap != 128<<20 || *r.Memory.Reservation != 32<<20 {
			t.Errorf("memory = %+v", r.Memory)
		}
		if r.CPU == nil || *r.CPU.Quota != 50000 || *r.CPU.Period != 100000 || *r.CPU.Shares != 512 || r.CPU.Cpus != "0" {
			t.Errorf("cpu = %+v", r.CPU)
		}
		if r.Pids == nil || r.Pids.Limit == nil || *r.Pids.Limit != 10 {
			t.Errorf("pids = %+v", r.Pids)
		}
		if s.Linux.Sysctl["kernel.shmmax"] != "1000" {
			t.Errorf("sysctl = %v", s.Linux.Sysctl)
		}
		if len(s.Process.Rlimits) != 1 || s.Process.Rlimits[0].Type != "RLIMIT_CORE" {
			t.Errorf("rlimits = %+v", s.Process.Rlimits)
		}
		if m := mountAt(s, "/src"); m == nil || m.Source != src || !slices.Contains(m.Options, "ro") {
			t.Errorf("/src = %+v, want a read-only bind of %s", m, src)
		}
		if m := mountAt(s, "/m"); m == nil || m.Options[0] != "bind" || !slices.Contains(m.Options, "rslave") {
			t.Errorf("/m = %+v, want a non-recursive rslave bind", m)
		}
		if m := mountAt(s, "/named"); m == nil || !strings.Contains(m.Source, "named") {
			t.Errorf("/named = %+v, want the volume named", m)
		}
		if m := mountAt(s, "/t"); m == nil || m.Type != "tmpfs" || !slices.Contains(m.Options, "size=1m") {
			t.Errorf("/t = %+v, want a tmpfs of 1m", m)
		}
		if m := mountAt(s, "/dev/shm"); m == nil || !slices.Contains(m.Options, "size=1024k") {
			t.Errorf("/dev/shm = %+v, want --shm-size's 1 MiB", m)
		}
		found := false
		for _, d := range s.Linux.Devices {
			found = found || d.Path == "/dev/mynull"
		}
		if !found {
			t.Errorf("devices = %+v, want /dev/mynull", s.Linux.Devices)
		}
	})
	t.Run("host namespaces", func(t *testing.T) {
		s := specOf(t, e, CreateOptions{Host: HostConfig{NetworkMode: "host", PidMode: "host", IpcMode: "host", UTSMode: "host"}})
		for _, ns := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.NetworkNamespace} {
			if _, ok := hasNamespace(s, ns); ok {
				t.Errorf("--%s host: the spec still has its own %s namespace", ns, ns)
			}
		}
	})
	t.Run("shareable ipc", func(t *testing.T) {
		s := specOf(t, e, CreateOptions{Host: HostConfig{IpcMode: "shareable"}})
		if m := mountAt(s, "/dev/shm"); m == nil || m.Type != "bind" || !strings.HasPrefix(m.Source, e.runRoot) {
			t.Errorf("--ipc shareable: /dev/shm = %+v, want a bind of a tmpfs in the run directory (which joiners share)", m)
		}
	})
	t.Run("privileged", func(t *testing.T) {
		s := specOf(t, e, CreateOptions{Host: HostConfig{Privileged: true}})
		if len(s.Linux.MaskedPaths) != 0 || s.Linux.Seccomp != nil || !slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") {
			t.Errorf("privileged spec: masked %v, seccomp %v, caps %d", s.Linux.MaskedPaths, s.Linux.Seccomp != nil, len(s.Process.Capabilities.Bounding))
		}
	})
}
