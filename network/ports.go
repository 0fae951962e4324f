package network

import (
	"fmt"
	"net"
	"sort"
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
//
// As docker's: a host port of 0 or none is chosen at start; a container
// port is 1-65535. Unlike docker's: an IPv6 host address is refused, as
// berth's networks give containers IPv4 addresses only and the portmap
// plugin cannot forward IPv6 to them; and a host port already published by
// an earlier value is refused here rather than when the container starts.
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
	if v6, _, ok := strings.Cut(strings.TrimPrefix(rest, "["), "]:"); ok && strings.HasPrefix(rest, "[") {
		if ip := net.ParseIP(v6); ip == nil || ip.To4() != nil {
			return bad("a host address in brackets must be IPv6")
		}
		return bad(fmt.Sprintf("host address %s is IPv6, and containers have IPv4 addresses only; publish on 127.0.0.1 or 0.0.0.0", v6))
	}
	parts := strings.Split(rest, ":")
	switch len(parts) {
	case 1:
		ctrPort = parts[0]
	case 2:
		hostPort, ctrPort = parts[0], parts[1]
	case 3:
		hostIP, hostPort, ctrPort = parts[0], parts[1], parts[2]
		if net.ParseIP(hostIP) == nil { // without a colon, so IPv4 if any
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
		if hLo == 0 && hHi != 0 {
			return bad("a host port range cannot start at 0")
		}
		if hHi-hLo != cHi-cLo && hLo != 0 {
			return bad("host and container port ranges differ in length")
		}
	}
	add := map[string][]PortBinding{}
	for i := 0; i <= cHi-cLo; i++ {
		hp := ""
		if hLo != 0 {
			hp = strconv.Itoa(hLo + i)
		}
		key := strconv.Itoa(cLo+i) + "/" + proto
		add[key] = append(add[key], PortBinding{HostIP: hostIP, HostPort: hp})
	}
	if err := checkTwice(bindings, add); err != nil {
		return bad(err.Error())
	}
	for k, bs := range add {
		bindings[k] = append(bindings[k], bs...)
	}
	return nil
}

// portRange reads "P" or "LO-HI", each 0-65535.
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

// ValidateBindings checks port bindings given through the engine's API
// (the CLI's come from ParsePublish): keys are "PORT/PROTO" with a port of
// 1-65535 and tcp, udp or sctp; host addresses are IPv4 or empty; host
// ports are 0-65535 or empty; no host port is published twice.
func ValidateBindings(bindings map[string][]PortBinding) error {
	for key, bs := range bindings {
		port, proto, _ := strings.Cut(key, "/")
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp" && proto != "sctp") {
			return fmt.Errorf("published port %q: want PORT/tcp, PORT/udp or PORT/sctp with a port of 1-65535: %w", key, errdefs.ErrInvalid)
		}
		for _, b := range bs {
			if ip := net.ParseIP(b.HostIP); b.HostIP != "" && (ip == nil || ip.To4() == nil) {
				return fmt.Errorf("published port %s: host address %q: not IPv4: %w", key, b.HostIP, errdefs.ErrInvalid)
			}
			if n, err := strconv.Atoi(b.HostPort); b.HostPort != "" && (err != nil || n < 0 || n > 65535) {
				return fmt.Errorf("published port %s: host port %q: want 0-65535: %w", key, b.HostPort, errdefs.ErrInvalid)
			}
		}
	}
	if err := checkTwice(nil, bindings); err != nil {
		return fmt.Errorf("%v: %w", err, errdefs.ErrInvalid)
	}
	return nil
}

// hostPort is one host address and port a binding asks for.
type hostPort struct {
	ip    string // "" for every address
	port  int
	proto string
}

func (h hostPort) String() string {
	ip := h.ip
	if ip == "" {
		ip = "0.0.0.0"
	}
	return fmt.Sprintf("%s/%s", addr(ip, h.port), h.proto)
}

// overlaps tells whether two bindings would need the same socket: the
// same port and protocol on the same address, or on every address.
func (h hostPort) overlaps(o hostPort) bool {
	return h.port == o.port && h.proto == o.proto && (allAddrs(h.ip) || allAddrs(o.ip) || net.ParseIP(h.ip).Equal(net.ParseIP(o.ip)))
}

func allAddrs(ip string) bool { return ip == "" || net.ParseIP(ip).IsUnspecified() }

// fixed lists the host ports that bindings give (not those chosen at
// start), in key order.
func fixed(bindings map[string][]PortBinding) []hostPort {
	keys := make([]string, 0, len(bindings))
	for k := range bindings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []hostPort
	for _, k := range keys {
		_, proto, _ := strings.Cut(k, "/")
		for _, b := range bindings[k] {
			if n, _ := strconv.Atoi(b.HostPort); n != 0 {
				out = append(out, hostPort{b.HostIP, n, proto})
			}
		}
	}
	return out
}

// checkTwice fails when a host port of add is one of have's, or given
// twice in add: one socket cannot forward to two container ports.
func checkTwice(have, add map[string][]PortBinding) error {
	seen := fixed(have)
	for _, h := range fixed(add) {
		for _, o := range seen {
			if h.overlaps(o) {
				return fmt.Errorf("host port %s is published twice", h)
			}
		}
		seen = append(seen, h)
	}
	return nil
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

func addr(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }
