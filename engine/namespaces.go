package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berthdev/berth/internal/errdefs"
)

// Namespace modes, as docker spells them in HostConfig: PidMode and UTSMode
// are "" (own) or "host"; all of them (and NetworkMode) may also be
// "container:<id>", which joins that running container's namespace (docker
// has no "container:" for UTS; podman has). IpcMode
// "" means "private" (docker's default), and "shareable" is private too.

const containerModePrefix = "container:"

// modeContainer returns the container a "container:NAME" mode names.
func modeContainer(mode string) (string, bool) {
	ref, ok := strings.CutPrefix(mode, containerModePrefix)
	return ref, ok
}

// resolveNamespaceModes checks the namespace modes of a new container and
// rewrites container:NAME to container:<full id>, so that renaming the
// target later does not break the link. The target must exist; it must be
// running only when the new container starts.
func (e *Engine) resolveNamespaceModes(o *CreateOptions) error {
	h := &o.Host
	check := func(flag string, mode *string, allowed ...string) error {
		if ref, ok := modeContainer(*mode); ok {
			if ref == "" {
				return fmt.Errorf("--%s %q: no container named: %w", flag, *mode, errdefs.ErrInvalid)
			}
			t, err := e.resolve(ref)
			if err != nil {
				return fmt.Errorf("--%s %s: %w", flag, *mode, err)
			}
			*mode = containerModePrefix + t.ID
			return nil
		}
		for _, a := range allowed {
			if *mode == a {
				return nil
			}
		}
		return fmt.Errorf("--%s %q: invalid mode (use %s or container:NAME): %w", flag, *mode, strings.Join(allowed[1:], ", "), errdefs.ErrInvalid)
	}
	if err := check("pid", &h.PidMode, "", "host"); err != nil {
		return err
	}
	if ref, ok := modeContainer(h.PidMode); ok {
		if err := e.checkPidPeer(ref); err != nil {
			return err
		}
	}
	if err := check("ipc", &h.IpcMode, "", "private", "shareable", "host", "none"); err != nil {
		return err
	}
	if err := check("uts", &h.UTSMode, "", "host"); err != nil {
		return err
	}
	if h.IpcMode == "" {
		h.IpcMode = "private"
	}
	if h.UTSMode != "" && o.Hostname != "" {
		return fmt.Errorf("conflicting options: --hostname and --uts %s: %w", h.UTSMode, errdefs.ErrInvalid)
	}
	if ref, ok := modeContainer(h.NetworkMode); ok {
		if o.Hostname != "" {
			return fmt.Errorf("conflicting options: --hostname and --network %s: %w", h.NetworkMode, errdefs.ErrInvalid)
		}
		if ref == "" {
			return fmt.Errorf("--network %q: no container named: %w", h.NetworkMode, errdefs.ErrInvalid)
		}
		t, err := e.resolve(ref)
		if err != nil {
			return fmt.Errorf("--network %s: %w", h.NetworkMode, err)
		}
		h.NetworkMode = containerModePrefix + t.ID
		if h.UTSMode == "" {
			// Docker gives the joining container the target's host name.
			o.Hostname = t.Config.Hostname
		}
	}
	return nil
}

// specNamespaces sets the namespaces of a container's spec from its modes:
// its own by default, none (the host's) for "host", and a path into the
// target's init for "container:<id>".
func (e *Engine) specNamespaces(s *specs.Spec, h HostConfig) error {
	set := func(t specs.LinuxNamespaceType, mode string) error {
		switch ref, shared := modeContainer(mode); {
		case mode == "host":
			return nil
		case shared:
			pid, err := e.namespaceOwner(ref, mode)
			if err != nil {
				return err
			}
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: t, Path: fmt.Sprintf("/proc/%d/ns/%s", pid, nsFile(t))})
		default:
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: t})
		}
		return nil
	}
	s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}}
	if err := set(specs.PIDNamespace, h.PidMode); err != nil {
		return err
	}
	if err := set(specs.IPCNamespace, h.IpcMode); err != nil {
		return err
	}
	if err := set(specs.NetworkNamespace, h.NetworkMode); err != nil {
		return err
	}
	uts := h.UTSMode
	if h.NetworkMode == "host" {
		uts = "host" // docker: the host's network comes with its host name
	}
	if uts != "" {
		s.Hostname = "" // the host's or the target's
	}
	return set(specs.UTSNamespace, uts)
}

// namespaceOwner is the init pid of the running container a mode names.
func (e *Engine) namespaceOwner(id, mode string) (int, error) {
	t, err := e.resolve(id)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", mode, err)
	}
	st, err := e.loadState(t.ID)
	if err != nil {
		return 0, err
	}
	if !st.running() || st.Pid == 0 {
		// Said by the shim, whose report carries text, not error classes.
		return 0, fmt.Errorf("cannot join the namespaces of container %s: it is not running", t.Name)
	}
	return st.Pid, nil
}

func nsFile(t specs.LinuxNamespaceType) string {
	switch t {
	case specs.PIDNamespace:
		return "pid"
	case specs.NetworkNamespace:
		return "net"
	case specs.MountNamespace:
		return "mnt"
	default:
		return string(t)
	}
}

// specShm gives /dev/shm the IPC mode's meaning, as docker does: its own
// tmpfs when private, none with "none", the host's with "host". A
// "shareable" container's tmpfs is mounted on the host side (in its run
// directory) so that a container with "container:<id>" can bind the same
// one: POSIX shared memory lives there, System V IPC in the namespace. The
// shm mount is the last of the base mounts. It only translates: the tmpfs
// of a shareable container is mounted by mountShm when the shim starts it.
func (e *Engine) specShm(s *specs.Spec, id, mode string, labels map[string]string) error {
	shmMount := &s.Mounts[len(s.Mounts)-1]
	bind := func(src string) {
		*shmMount = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: src, Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
	}
	switch ref, shared := modeContainer(mode); {
	case mode == "none":
		s.Mounts = s.Mounts[:len(s.Mounts)-1]
	case mode == "host":
		bind("/dev/shm")
	case mode == "shareable":
		bind(e.shmDir(id)) // mounted by mountShm, in the start path
	case shared:
		t, err := e.resolve(ref)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		if _, sidecar := labels["berth.debug"]; sidecar && t.Host.IpcMode != "shareable" {
			break // a debug sidecar joins the namespace and keeps its own /dev/shm
		}
		if t.Host.IpcMode != "shareable" {
			return fmt.Errorf("cannot join the IPC namespace of container %s: its IPC mode is %q, not shareable (start it with --ipc shareable)", t.Name, t.Host.IpcMode)
		}
		bind(e.shmDir(t.ID))
	}
	return nil
}

// mountShm mounts a shareable container's /dev/shm tmpfs in its run
// directory, fresh for each run. Only the start path calls it: building a
// spec (`berth oci-spec`) must not touch a running container's mounts.
func (e *Engine) mountShm(r *record) error {
	if r.Host.IpcMode != "shareable" {
		return nil
	}
	dir := e.shmDir(r.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	unmount(dir)
	if err := unix.Mount("shm", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,"+shmOption(r.Host)); err != nil {
		return fmt.Errorf("container %s: /dev/shm: %w", r.ID[:12], err)
	}
	return nil
}

// shmDir is where a shareable container's /dev/shm is mounted on the host.
func (e *Engine) shmDir(id string) string { return filepath.Join(e.runDir(id), "shm") }

// checkPidPeer refuses to start a container in the PID namespace of a
// container that holds CAP_SYS_PTRACE without being privileged: while the
// new container's init starts there, before pivot_root, its working
// directory is its root filesystem on the host, and a tracer in that
// namespace can follow /proc/PID/cwd/.. up to the host's files (found by
// the escape suite). A privileged container owns the host already.
func (e *Engine) checkPidPeer(id string) error {
	t, err := e.resolve(id)
	if err != nil {
		return err
	}
	if t.Host.Privileged {
		return nil
	}
	for _, c := range t.Host.CapAdd {
		switch strings.ToUpper(strings.TrimPrefix(strings.ToUpper(c), "CAP_")) {
		case "SYS_PTRACE", "ALL":
			return fmt.Errorf("--pid container:%s: %s holds CAP_SYS_PTRACE, which would let it reach a new container's files on the host while that container starts; refused (start it without --cap-add SYS_PTRACE, or debug it with berth debug on a copy): %w",
				t.Name, t.Name, errdefs.ErrFailedPrecondition)
		}
	}
	return nil
}
