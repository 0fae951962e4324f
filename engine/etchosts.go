package engine

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/network"
)

// validateEtcOptions checks --add-host HOST:IP (or HOST=IP; IP may be
// host-gateway) and --dns addresses before anything is written.
func validateEtcOptions(h HostConfig) error {
	for _, eh := range h.ExtraHosts {
		host, ip, err := splitExtraHost(eh)
		if err != nil {
			return err
		}
		if host == "" || strings.ContainsAny(host, " \t") {
			return fmt.Errorf("invalid argument %q for \"--add-host\" flag: invalid host name: %w", eh, errdefs.ErrInvalid)
		}
		if ip != "host-gateway" && net.ParseIP(ip) == nil {
			return fmt.Errorf("invalid argument %q for \"--add-host\" flag: invalid IP address %q: %w", eh, ip, errdefs.ErrInvalid)
		}
	}
	for _, d := range h.DNS {
		if net.ParseIP(d) == nil {
			return fmt.Errorf("%s is not an ip address: %w", d, errdefs.ErrInvalid)
		}
	}
	return nil
}

// splitExtraHost splits HOST:IP or HOST=IP (an IPv6 address has colons,
// so the first separator counts).
func splitExtraHost(s string) (host, ip string, err error) {
	i := strings.IndexAny(s, ":=")
	if i < 0 {
		return "", "", fmt.Errorf("invalid argument %q for \"--add-host\" flag: want HOST:IP: %w", s, errdefs.ErrInvalid)
	}
	return s[:i], strings.Trim(s[i+1:], "[]"), nil
}

// extraHostEntries are the /etc/hosts lines of --add-host; host-gateway
// is the gateway of the container's first network (the host, as seen from
// the container).
func extraHostEntries(h HostConfig, eps []Endpoint) []network.HostEntry {
	var out []network.HostEntry
	for _, eh := range h.ExtraHosts {
		host, ip, err := splitExtraHost(eh)
		if err != nil {
			continue
		}
		if ip == "host-gateway" {
			if len(eps) == 0 || eps[0].Gateway == "" {
				continue
			}
			ip = eps[0].Gateway
		}
		out = append(out, network.HostEntry{IP: ip, Names: []string{host}})
	}
	return out
}

// customResolvConf is /etc/resolv.conf with --dns, --dns-search or
// --dns-option: each given one replaces that part of the host's file, as
// docker does. ok is false when none is given.
func customResolvConf(h HostConfig, hostResolv string) (content string, ok bool) {
	if len(h.DNS) == 0 && len(h.DNSSearch) == 0 && len(h.DNSOptions) == 0 {
		return "", false
	}
	var search, options []string
	if f, err := os.Open(hostResolv); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) > 1 && (f[0] == "search" || f[0] == "domain") {
				search = append(search, f[1:]...)
			} else if len(f) > 1 && f[0] == "options" {
				options = append(options, f[1:]...)
			}
		}
		f.Close()
	}
	if len(h.DNSSearch) > 0 {
		search = h.DNSSearch
		if len(search) == 1 && search[0] == "." {
			search = nil // docker: "." means no search domain
		}
	}
	if len(h.DNSOptions) > 0 {
		options = h.DNSOptions
	}
	var b strings.Builder
	b.WriteString("# Written by berth from --dns, --dns-search and --dns-option.\n")
	for _, d := range h.DNS {
		b.WriteString("nameserver " + d + "\n")
	}
	if len(search) > 0 {
		b.WriteString("search " + strings.Join(search, " ") + "\n")
	}
	if len(options) > 0 {
		b.WriteString("options " + strings.Join(options, " ") + "\n")
	}
	return b.String(), true
}
