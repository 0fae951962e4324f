package network

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
)

// HostEntry is one line of a container's /etc/hosts.
type HostEntry struct {
	IP    string
	Names []string
}

const hostsHeader = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
ff00::0	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`

// WriteHosts writes a container's /etc/hosts: localhost, itself, then the
// entries (links and the other members of its networks). The file is
// rewritten in place, never replaced: it is bind-mounted into the
// container, which would keep seeing a replaced file's old inode.
func WriteHosts(path string, self []HostEntry, peers []HostEntry) error {
	var b strings.Builder
	b.WriteString(hostsHeader)
	peers = append([]HostEntry(nil), peers...)
	sort.SliceStable(peers, func(i, j int) bool { return peers[i].Names[0] < peers[j].Names[0] })
	for _, e := range append(append([]HostEntry(nil), self...), peers...) {
		if e.IP != "" && len(e.Names) > 0 {
			fmt.Fprintf(&b, "%s\t%s\n", e.IP, strings.Join(e.Names, " "))
		}
	}
	return writeInPlace(path, b.String())
}

// WriteResolvConf writes a container's /etc/resolv.conf from the host's:
// its search domains and options. Nameservers are left out: a berth
// container reaches nothing beyond the machine, and a resolver on the
// host's loopback is not reachable from a container's own network; names
// of berth containers resolve through /etc/hosts.
func WriteResolvConf(path, hostResolv string) error {
	var b strings.Builder
	b.WriteString("# Written by berth. Containers reach only this machine: no nameserver.\n")
	b.WriteString("# Containers on a user network find each other through /etc/hosts.\n")
	if f, err := os.Open(hostResolv); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(l, "search ") || strings.HasPrefix(l, "domain ") || strings.HasPrefix(l, "options ") {
				b.WriteString(l + "\n")
			}
		}
		f.Close()
	}
	return writeInPlace(path, b.String())
}

// WriteFile writes a small file such as /etc/hostname, in place.
func WriteFile(path, content string) error { return writeInPlace(path, content) }

func writeInPlace(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
