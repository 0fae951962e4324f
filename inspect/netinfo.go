package inspect

import (
	"fmt"
	"net"
	"sort"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// NetInterface is one network interface inside a network namespace.
type NetInterface struct {
	Index     int      `json:"index"`
	Name      string   `json:"name"`
	Type      string   `json:"type"` // "loopback", "veth", "bridge", ...
	MAC       string   `json:"mac,omitempty"`
	MTU       int      `json:"mtu"`
	Up        bool     `json:"up"`
	Addresses []string `json:"addresses"` // CIDR form: "10.88.0.2/16"
	RxBytes   uint64   `json:"rxBytes"`
	TxBytes   uint64   `json:"txBytes"`
}

// Route is one route of a network namespace's main table.
type Route struct {
	Destination string `json:"destination"` // "default" or a CIDR
	Gateway     string `json:"gateway,omitempty"`
	Device      string `json:"device"`
	Source      string `json:"source,omitempty"`
}

// NetInfo is what a network namespace holds.
type NetInfo struct {
	Interfaces []NetInterface `json:"interfaces"`
	Routes     []Route        `json:"routes"`
}

// Network reads the interfaces, addresses and routes of pid's network
// namespace over netlink, through a socket opened in that namespace (the
// calling thread returns to its own namespace at once).
func Network(pid int) (*NetInfo, error) {
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return nil, fmt.Errorf("process %d: network namespace: %w", pid, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return nil, fmt.Errorf("process %d: netlink: %w", pid, err)
	}
	defer h.Close()
	links, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("process %d: listing interfaces: %w", pid, err)
	}
	info := &NetInfo{Interfaces: []NetInterface{}, Routes: []Route{}}
	names := map[int]string{}
	for _, l := range links {
		a := l.Attrs()
		names[a.Index] = a.Name
		ni := NetInterface{Index: a.Index, Name: a.Name, Type: l.Type(), MTU: a.MTU,
			Up: a.Flags&net.FlagUp != 0, Addresses: []string{}}
		if a.Flags&net.FlagLoopback != 0 {
			ni.Type = "loopback"
		}
		if len(a.HardwareAddr) > 0 {
			ni.MAC = a.HardwareAddr.String()
		}
		if a.Statistics != nil {
			ni.RxBytes, ni.TxBytes = a.Statistics.RxBytes, a.Statistics.TxBytes
		}
		addrs, err := h.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			return nil, fmt.Errorf("process %d: addresses of %s: %w", pid, a.Name, err)
		}
		for _, ad := range addrs {
			ni.Addresses = append(ni.Addresses, ad.IPNet.String())
		}
		info.Interfaces = append(info.Interfaces, ni)
	}
	sort.Slice(info.Interfaces, func(i, j int) bool { return info.Interfaces[i].Index < info.Interfaces[j].Index })
	routes, err := h.RouteList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("process %d: listing routes: %w", pid, err)
	}
	for _, r := range routes {
		rt := Route{Destination: "default", Device: names[r.LinkIndex]}
		if r.Dst != nil {
			rt.Destination = r.Dst.String()
		}
		if r.Gw != nil {
			rt.Gateway = r.Gw.String()
		}
		if r.Src != nil {
			rt.Source = r.Src.String()
		}
		info.Routes = append(info.Routes, rt)
	}
	return info, nil
}
