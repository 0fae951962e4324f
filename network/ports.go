package network

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
)

// PortBinding is where a container port is published, with docker's names.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"` // "" or "0": chosen at start
}

// ParsePublish reads one -p value: [[HOST_IP:][HOST_PORT]:]CONTAINER_PORT[/PROTO],
// ports possibly ranges of the same length ("8000-8002:80-82"). It adds
// to bindings, keyed "80/tcp" as docker's HostConfig.PortBindings.
func ParsePublish(spec string, bindings map[string][]PortBinding) error {
	bad := func(why string) error {
		return fmt.Errorf("invalid port specification %q: %s: %w", spec, why, errdefs.ErrInvalid)
	}
	rest, proto, _ := strings.Cut(spec, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return bad("protocol must be tcp, udp or sctp")
	}
	var hostIP, hostPort, ctrPort string
	if i := strings.LastIndex(rest, "]:"); strings.HasPrefix(rest, "[") && i > 0 {
		return bad("IPv6 host addresses are not supported")
	}
	parts := strings.Split(rest, ":")
	switch len(parts) {
	case 1:
		ctrPort = parts[0]
	case 2:
		hostPort, ctrPort = parts[0], parts[1]
	case 3:
		hostIP, hostPort, ctrPort = parts[0], parts[1], parts[2]
		if ip := net.ParseIP(hostIP); ip == nil || ip.To4() == nil {
			return bad("host address must be IPv4")
		}
	default:
		return bad("too many colons")
	}
	cLo, cHi, err := portRange(ctrPort)
	if err != nil || cLo == 0 {
		return bad("container port must be 1-65535 or a range")
	}
	hLo, hHi := 0, 0
	if hostPort != "" {
		if hLo, hHi, err = portRange(hostPort); err != nil {
			return bad("host port must be 0-65535 or a range")
		}
		if hHi-hLo != cHi-cLo && hLo != 0 {
			return bad("host and container port ranges differ in length")
		}
	}
	for i := 0; i <= cHi-cLo; i++ {
		hp := ""
		if hLo != 0 {
			hp = strconv.Itoa(hLo + i)
		}
		key := strconv.Itoa(cLo+i) + "/" + proto
		bindings[key] = append(bindings[key], PortBinding{HostIP: hostIP, HostPort: hp})
	}
	return nil
}

func portRange(s string) (int, int, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(lo)
	if err != nil || a < 0 || a > 65535 {
		return 0, 0, fmt.Errorf("bad port %q", s)
	}
	if !isRange {
		return a, a, nil
	}
	b, err := strconv.Atoi(hi)
	if err != nil || b < a || b > 65535 {
		return 0, 0, fmt.Errorf("bad port range %q", s)
	}
	return a, b, nil
}

// ExposedKey normalises an EXPOSE entry ("80", "80/udp") to "80/tcp" form.
func ExposedKey(p string) (string, error) {
	port, proto, _ := strings.Cut(p, "/")
	if proto == "" {
		proto = "tcp"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("exposed port %q: invalid: %w", p, errdefs.ErrInvalid)
	}
	return strconv.Itoa(n) + "/" + proto, nil
}

// Mappings turns bindings into the portmap plugin's mappings, choosing a
// free host port where none was given and checking that given ones are
// free. taken are host ports other containers already publish ("8080/tcp").
func Mappings(bindings map[string][]PortBinding, taken map[string]bool) ([]PortMapping, error) {
	var out []PortMapping
	for key, bs := range bindings {
		port, proto, _ := strings.Cut(key, "/")
		cp, _ := strconv.Atoi(port)
		for _, b := range bs {
			hp, _ := strconv.Atoi(b.HostPort)
			var err error
			if hp == 0 {
				hp, err = freePort(b.HostIP, proto)
			} else if taken[strconv.Itoa(hp)+"/"+proto] {
				err = fmt.Errorf("host port %d/%s is already allocated to another container", hp, proto)
			} else {
				err = checkFree(b.HostIP, hp, proto)
			}
			if err != nil {
				return nil, err
			}
			taken[strconv.Itoa(hp)+"/"+proto] = true
			out = append(out, PortMapping{HostPort: hp, ContainerPort: cp, Protocol: proto, HostIP: b.HostIP})
		}
	}
	return out, nil
}

func addr(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }

// checkFree fails when a host process already listens on the port, as
// docker's proxy would fail to bind it.
func checkFree(ip string, port int, proto string) error {
	switch proto {
	case "udp":
		c, err := net.ListenPacket("udp4", addr(ip, port))
		if err != nil {
			return fmt.Errorf("host port %d/udp: %v: %w", port, unwrapOp(err), errdefs.ErrUnavailable)
		}
		c.Close()
	case "tcp":
		l, err := net.Listen("tcp4", addr(ip, port))
		if err != nil {
			return fmt.Errorf("host port %d/tcp: %v: %w", port, unwrapOp(err), errdefs.ErrUnavailable)
		}
		l.Close()
	}
	return nil
}

func freePort(ip, proto string) (int, error) {
	if proto == "udp" {
		c, err := net.ListenPacket("udp4", addr(ip, 0))
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp4", addr(ip, 0))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func unwrapOp(err error) error {
	if oe, ok := err.(*net.OpError); ok && oe.Err != nil {
		return oe.Err
	}
	return err
}
