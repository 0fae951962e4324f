package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/inspect"
	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// A published port is held on the host, as docker's proxy and conmon hold
// theirs: the shim of the container keeps a socket bound (and, for tcp,
// listening) on each HostIP:HostPort for as long as the container's port
// mappings exist, so a host process or another store that binds the port
// fails with EADDRINUSE instead of silently splitting its traffic with the
// portmap plugin's DNAT. The held socket sees no traffic the DNAT routes:
// nat PREROUTING and OUTPUT rewrite a packet's destination before the
// socket lookup. A tcp connection that reaches it anyway (made in the
// moment before the mappings exist) is accepted and closed at once.
//
// The kernel decides who gets a port; the register only names the holder
// for the error of the one who did not. It is host-wide (every store's
// shims write it), a directory of one record per held port, written under
// a host-wide lock (an flock, as the networks' /run/berth-networks.lock)
// so that a loser finds the winner's record. A record whose shim is gone
// (killed with -9) names nobody: its socket went with it.

// HostPortsDir is where the host-wide register of held ports lives.
const HostPortsDir = "/run/berth-ports"

// PortRegister is a register of held ports (HostPorts for the host's).
type PortRegister struct{ dir string }

// HostPorts is the host's register, shared by every store.
func HostPorts() *PortRegister { return &PortRegister{dir: HostPortsDir} }

// OpenPorts is a register in dir, for tests.
func OpenPorts(dir string) *PortRegister { return &PortRegister{dir: dir} }

// Holder is who holds ports: a container of a store, through its shim.
type Holder struct {
	Container string `json:"container"` // its name
	ID        string `json:"id"`
	Store     string `json:"store"`    // the store's root
	Pid       int    `json:"pid"`      // the holding process (the shim)
	Start     uint64 `json:"pidStart"` // its start time, as inspect.StartTime
}

// portRecord is one held port in the register.
type portRecord struct {
	Holder
	HostIP   string `json:"hostIp"`
	HostPort int    `json:"hostPort"`
	Protocol string `json:"protocol"`
}

// Held are the ports one container holds. Release gives them up.
type Held struct {
	reg     *PortRegister
	holder  Holder
	socks   []io.Closer
	records []string
}

// Hold binds every host port that bindings publish (choosing a free one
// where none is given) and records h as their holder, under the host-wide
// lock. It returns the portmap plugin's mappings. A port bound by anyone
// else fails the whole call, naming the holder; nothing is held then.
func (g *PortRegister) Hold(bindings map[string][]PortBinding, h Holder) ([]PortMapping, *Held, error) {
	if err := ValidateBindings(bindings); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(g.dir, 0o700); err != nil {
		return nil, nil, err
	}
	unlock, err := lockFile(filepath.Join(g.dir, "lock"))
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	held := &Held{reg: g, holder: h}
	keys := make([]string, 0, len(bindings))
	for k := range bindings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []PortMapping
	for _, key := range keys {
		port, proto, _ := strings.Cut(key, "/")
		cp, _ := strconv.Atoi(port)
		for _, b := range bindings[key] {
			want, _ := strconv.Atoi(b.HostPort)
			hp := hostPort{b.HostIP, want, proto}
			sock, got, err := bindHost(hp)
			if err != nil {
				held.release()
				if errors.Is(err, unix.EADDRINUSE) {
					return nil, nil, fmt.Errorf("port %s is already used by %s: %w", hp, g.holderOf(hp, h.Store), errdefs.ErrUnavailable)
				}
				return nil, nil, fmt.Errorf("port %s: %v: %w", hp, unwrapOp(err), errdefs.ErrUnavailable)
			}
			held.socks = append(held.socks, sock)
			hp.port = got
			rec := portRecord{Holder: h, HostIP: b.HostIP, HostPort: got, Protocol: proto}
			path := g.recordPath(hp)
			if err := atomicfile.WriteJSON(path, rec, 0o600); err != nil {
				held.release()
				return nil, nil, fmt.Errorf("port %s: register: %w", hp, err)
			}
			held.records = append(held.records, path)
			out = append(out, PortMapping{HostPort: got, ContainerPort: cp, Protocol: proto, HostIP: b.HostIP})
		}
	}
	return out, held, nil
}

// Release removes the container's records and closes its sockets, under
// the host-wide lock. It is safe on nil and to call twice.
func (h *Held) Release() {
	if h == nil || (len(h.socks) == 0 && len(h.records) == 0) {
		return
	}
	if unlock, err := lockFile(filepath.Join(h.reg.dir, "lock")); err == nil {
		defer unlock()
	}
	h.release()
}

func (h *Held) release() {
	for _, path := range h.records {
		if rec, err := readRecord(path); err == nil && rec.ID == h.holder.ID && rec.Pid == h.holder.Pid {
			os.Remove(path)
		}
	}
	for _, s := range h.socks {
		s.Close()
	}
	h.socks, h.records = nil, nil
}

// Forget removes the records of container id whose holder is gone (a
// shim killed with -9; its sockets went with it).
func (g *PortRegister) Forget(id string) {
	unlock, err := lockFile(filepath.Join(g.dir, "lock"))
	if err != nil {
		return
	}
	defer unlock()
	paths, _ := filepath.Glob(filepath.Join(g.dir, "*.json"))
	for _, path := range paths {
		if rec, err := readRecord(path); err == nil && rec.ID == id && !inspect.Alive(rec.Pid, rec.Start) {
			os.Remove(path)
		}
	}
}

// recordPath is the record of one held port: PROTO-PORT-ADDRESS.json.
func (g *PortRegister) recordPath(hp hostPort) string {
	ip := hp.ip
	if allAddrs(ip) {
		ip = "0.0.0.0"
	}
	return filepath.Join(g.dir, fmt.Sprintf("%s-%d-%s.json", hp.proto, hp.port, net.ParseIP(ip).To4()))
}

// holderOf names who holds a port that would not bind: the container of
// a live record that overlaps it, else a host process.
func (g *PortRegister) holderOf(hp hostPort, store string) string {
	paths, _ := filepath.Glob(filepath.Join(g.dir, fmt.Sprintf("%s-%d-*.json", hp.proto, hp.port)))
	for _, path := range paths {
		rec, err := readRecord(path)
		if err != nil || !hp.overlaps(hostPort{rec.HostIP, rec.HostPort, rec.Protocol}) || !inspect.Alive(rec.Pid, rec.Start) {
			continue
		}
		if rec.Store == store {
			return fmt.Sprintf("container %q", rec.Container)
		}
		return fmt.Sprintf("container %q of store %s", rec.Container, rec.Store)
	}
	return "a host process"
}

func readRecord(path string) (*portRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rec portRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

// bindHost binds a socket on hp (port 0: one the kernel chooses) and
// returns it with its port. tcp listens and closes what it accepts; udp
// sets no SO_REUSEADDR (with it, two udp sockets may share a port).
func bindHost(hp hostPort) (io.Closer, int, error) {
	ip := hp.ip
	if ip == "" {
		ip = "0.0.0.0"
	}
	switch hp.proto {
	case "tcp":
		l, err := net.Listen("tcp4", addr(ip, hp.port))
		if err != nil {
			return nil, 0, err
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		return l, l.Addr().(*net.TCPAddr).Port, nil
	case "udp":
		c, err := net.ListenPacket("udp4", addr(ip, hp.port))
		if err != nil {
			return nil, 0, err
		}
		return c, c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	return bindSCTP(ip, hp.port)
}

// bindSCTP holds an sctp port, which Go's net package has no listener for.
func bindSCTP(ip string, port int) (io.Closer, int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_SCTP)
	if err != nil {
		return nil, 0, fmt.Errorf("sctp is not available on this host: %w", err)
	}
	sa := &unix.SockaddrInet4{Port: port}
	copy(sa.Addr[:], net.ParseIP(ip).To4())
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, 0, err
	}
	if err := unix.Listen(fd, 1); err != nil {
		unix.Close(fd)
		return nil, 0, err
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, 0, err
	}
	return os.NewFile(uintptr(fd), "sctp"), got.(*unix.SockaddrInet4).Port, nil
}

func unwrapOp(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
