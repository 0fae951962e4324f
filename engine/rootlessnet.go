package engine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/network"
)

// A rootless container's default network is pasta's (Debian's passt
// package), as podman's is: the container gets a network namespace of its
// own, and pasta, running as the user in the user's namespace, gives it
// the host's addresses and routes, translating its traffic to the user's
// own sockets on the host. -p HOSTIP:HOSTPORT:CPORT is pasta's -t/-u: a
// socket pasta binds on the host as the user (so a port below
// net.ipv4.ip_unprivileged_port_start is refused by the kernel). Nothing
// else reaches in: no automatic forwarding either way (-t none -T none
// ...), --no-map-gw keeps the gateway address from reaching the host's
// loopback, and outbound sockets have a loopback source, so nothing the
// container connects to is outside the machine. User-defined networks (a bridge, CNI, iptables) need
// root and are refused with one line.

// rootlessNetworkMode checks a rootless container's network mode at
// create: the default network is pasta's.
func rootlessNetworkMode(h *HostConfig) (map[string]EndpointConfig, error) {
	if h.NetworkMode != network.DefaultName {
		return nil, fmt.Errorf("network %s: a rootless container has the default network (pasta), none, host or container:<name>; user-defined networks need root: %w", h.NetworkMode, errdefs.ErrFailedPrecondition)
	}
	if _, err := exec.LookPath("pasta"); err != nil {
		return nil, fmt.Errorf("the default network of a rootless container needs pasta (Debian package passt), not found on PATH: use --network none or host, or ask an administrator to install passt: %w", errdefs.ErrFailedPrecondition)
	}
	// pasta opens /dev/net/tun in the container's namespace as the user:
	// Debian makes it 0666; a host that closed it fails every start.
	if err := unix.Access("/dev/net/tun", unix.R_OK|unix.W_OK); err != nil {
		return nil, fmt.Errorf("the default network of a rootless container needs /dev/net/tun open to users (%v): use --network none or host, or ask an administrator to chmod 0666 /dev/net/tun (Debian's default): %w", err, errdefs.ErrFailedPrecondition)
	}
	if err := network.ValidateBindings(h.PortBindings); err != nil {
		return nil, err
	}
	return map[string]EndpointConfig{network.DefaultName: {}}, nil
}

// pastaPorts is the user's register of held ports: each user has their own.
func (e *Engine) pastaPorts() *network.PortRegister {
	return network.OpenPorts(filepath.Join(filepath.Dir(e.runRoot), "ports"))
}

// attachPasta is attachNetworks for a rootless container: a network
// namespace with pasta behind it. The undo stops pasta and removes the
// namespace.
func (e *Engine) attachPasta(r *record) (func() error, error) {
	path := e.netnsPath(r.ID)
	network.RemoveNetns(path)
	if err := network.NewNetns(path); err != nil {
		return nil, err
	}
	pidFile := e.pastaPidFile(r.ID)
	undo := func() error {
		stopPasta(pidFile)
		network.RemoveNetns(path)
		_, err := e.updateState(r.ID, func(st *state) error { st.Endpoints, st.Ports = nil, nil; return nil })
		if err != nil && !isNotExist(err) {
			return fmt.Errorf("container %s: recording its network detached: %w", r.ID[:12], err)
		}
		return nil
	}
	fail := func(err error) (func() error, error) { undo(); return nil, err }
	// Free host ports are chosen (and checked free) as for root's
	// containers, then let go for pasta to bind.
	var ports []PortMapping
	if len(r.Host.PortBindings) > 0 {
		me := os.Getpid()
		p, held, err := e.pastaPorts().Hold(r.Host.PortBindings, network.Holder{Container: r.Name, ID: r.ID, Store: e.root, Pid: me})
		if err != nil {
			return fail(err)
		}
		held.Release()
		ports = p
	}
	// Outbound sockets take a loopback source address, which the kernel
	// never routes off the machine (IPv4 only: pasta refuses ::1 as a
	// source, so IPv6 is off rather than open): the container reaches the host's own
	// addresses and nothing beyond, as root's containers (no default route
	// out, nothing masqueraded).
	args := []string{"--config-net", "--quiet", "--no-map-gw", "--ipv4-only", "--outbound", "127.0.0.1", "--netns", path, "--pid", pidFile}
	args = append(append(args, pastaPortArgs(ports)...), "-T", "none", "-U", "none")
	cmd := exec.Command("pasta", args...)
	out, err := cmd.CombinedOutput() // pasta forks into the background once the namespace is configured
	if err != nil {
		return fail(fmt.Errorf("pasta %s: %s", strings.Join(args, " "), pastaError(out, err)))
	}
	if _, err := e.updateState(r.ID, func(st *state) error { st.Ports = ports; return nil }); err != nil {
		return fail(err)
	}
	e.writeEtcFiles(r, nil)
	return undo, nil
}

// pastaPortArgs are pasta's -t and -u arguments for the mappings, one
// [ADDRESS/]HOSTPORT:CONTAINERPORT each; "none" for a protocol without.
func pastaPortArgs(ports []PortMapping) []string {
	var t, u []string
	for _, p := range ports {
		s := strconv.Itoa(p.HostPort) + ":" + strconv.Itoa(p.ContainerPort)
		if p.HostIP != "" && p.HostIP != "0.0.0.0" && p.HostIP != "::" {
			s = p.HostIP + "/" + s
		}
		if p.Protocol == "udp" {
			u = append(u, "-u", s)
		} else {
			t = append(t, "-t", s)
		}
	}
	if len(t) == 0 {
		t = []string{"-t", "none"}
	}
	if len(u) == 0 {
		u = []string{"-u", "none"}
	}
	return append(t, u...)
}

// pastaError is what pasta said, without its syslog complaints, on one line.
func pastaError(out []byte, err error) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.Contains(l, "to syslog") {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return err.Error()
	}
	return strings.Join(keep, "; ")
}

func (e *Engine) pastaPidFile(id string) string { return filepath.Join(e.runDir(id), "pasta.pid") }

// stopPasta ends the pasta its pid file names, when that process is
// still pasta (a pid reused since is left alone).
func stopPasta(pidFile string) {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	os.Remove(pidFile)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return
	}
	if comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm"); err == nil && strings.HasPrefix(string(comm), "pasta") {
		syscall.Kill(pid, syscall.SIGTERM)
	}
}

// detachDeadPasta is detachDead for a rootless container: its shim died,
// so pasta and the namespace are ended here.
func (e *Engine) detachDeadPasta(r *record) error {
	stopPasta(e.pastaPidFile(r.ID))
	network.RemoveNetns(e.netnsPath(r.ID))
	if _, err := e.updateState(r.ID, func(st *state) error { st.Endpoints, st.Ports = nil, nil; return nil }); err != nil && !isNotExist(err) {
		return err
	}
	return nil
}
