package network

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/berthdev/berth/internal/errdefs"
)

// PluginDirs are where Debian's containernetworking-plugins live.
var PluginDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}

// PortMapping is one published port, as the portmap plugin takes it.
type PortMapping struct {
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"hostIP,omitempty"`
}

// Endpoint is a container's attachment to a network.
type Endpoint struct {
	Network     string `json:"network"`
	NetworkID   string `json:"networkId"`
	Interface   string `json:"interface"`
	IPAddress   string `json:"ipAddress"`
	IPPrefixLen int    `json:"ipPrefixLen"`
	Gateway     string `json:"gateway"`
	MacAddress  string `json:"macAddress"`
}

func cniName(n *Network) string { return "berth-" + n.ID[:12] }

func (s *Store) cni() *libcni.CNIConfig {
	return libcni.NewCNIConfigWithCacheDir(PluginDirs, filepath.Join(s.runRoot, "cni", "cache"), nil)
}

// conflist is the CNI configuration of a network: a bridge with host-local
// addresses and no masquerading, port mappings, and the firewall plugin's
// forward rules.
func (s *Store) conflist(n *Network) (*libcni.NetworkConfigList, error) {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       cniName(n),
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": n.Bridge(), "isGateway": true, "ipMasq": false, "hairpinMode": true,
				// --ip (host-local reads the bridge's runtimeConfig) and --mac-address.
				"capabilities": map[string]bool{"ips": true, "mac": true},
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": n.Subnet(), "gateway": n.Gateway()}}},
					"dataDir": filepath.Join(s.runRoot, "cni", "ipam"),
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}, "snat": true},
			map[string]any{"type": "firewall", "backend": "iptables"},
		},
	}
	data, err := json.Marshal(conf)
	if err != nil {
		return nil, err
	}
	return libcni.ConfListFromBytes(data)
}

// Static is a fixed address asked for on one network (--ip,
// --mac-address); the zero value lets the network pick.
type Static struct {
	IP  string // IPv4, inside the network's subnet (see CheckStatic)
	MAC string // a unicast Ethernet address
}

func runtimeConf(containerID, netnsPath, ifname string, ports []PortMapping, static Static) *libcni.RuntimeConf {
	rt := &libcni.RuntimeConf{ContainerID: containerID, NetNS: netnsPath, IfName: ifname, CapabilityArgs: map[string]any{}}
	if len(ports) > 0 {
		rt.CapabilityArgs["portMappings"] = ports
	}
	if static.IP != "" {
		rt.CapabilityArgs["ips"] = []string{static.IP}
	}
	if static.MAC != "" {
		rt.CapabilityArgs["mac"] = static.MAC
	}
	return rt
}

// Attach connects the namespace at netnsPath to network n as ifname, with
// the given published ports. Nothing is left behind when it fails. n is
// brought up to date when its bridge had to move (see ensureBridge).
func (s *Store) Attach(ctx context.Context, n *Network, containerID, netnsPath, ifname string, ports []PortMapping, static Static) (*Endpoint, error) {
	if err := s.ensureBridge(n); err != nil {
		return nil, err
	}
	if err := n.CheckStatic(static); err != nil {
		return nil, err
	}
	list, err := s.conflist(n)
	if err != nil {
		return nil, err
	}
	rt := runtimeConf(containerID, netnsPath, ifname, ports, static)
	res, err := s.cni().AddNetworkList(ctx, list, rt)
	if err != nil {
		s.cni().DelNetworkList(context.WithoutCancel(ctx), list, rt)
		if static.IP != "" && strings.Contains(err.Error(), "is not available") {
			return nil, fmt.Errorf("network %s: address %s: already in use: %w", n.Name, static.IP, errdefs.ErrAlreadyExists)
		}
		return nil, fmt.Errorf("network %s: %v", n.Name, oneLine(err))
	}
	r, err := current.NewResultFromResult(res)
	if err != nil || len(r.IPs) == 0 {
		s.cni().DelNetworkList(context.WithoutCancel(ctx), list, rt)
		return nil, fmt.Errorf("network %s: the bridge plugin gave no address", n.Name)
	}
	ep := &Endpoint{Network: n.Name, NetworkID: n.ID, Interface: ifname, IPAddress: r.IPs[0].Address.IP.String(), Gateway: n.Gateway()}
	ep.IPPrefixLen, _ = r.IPs[0].Address.Mask.Size()
	for _, itf := range r.Interfaces {
		if itf.Sandbox != "" && itf.Name == ifname {
			ep.MacAddress = itf.Mac
		}
	}
	return ep, nil
}

// Detach undoes Attach: the plugins remove the veth, the address, the
// port mappings and the firewall rules.
func (s *Store) Detach(ctx context.Context, n *Network, containerID, netnsPath, ifname string, ports []PortMapping) error {
	list, err := s.conflist(n)
	if err != nil {
		return err
	}
	if err := s.cni().DelNetworkList(ctx, list, runtimeConf(containerID, netnsPath, ifname, ports, Static{})); err != nil {
		return fmt.Errorf("network %s: %v", n.Name, oneLine(err))
	}
	return nil
}

// LoopbackUp brings lo up in the namespace at path.
func LoopbackUp(path string) error {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return err
	}
	return h.LinkSetUp(lo)
}

// deleteLink removes a host interface (a network's bridge); gone is fine.
func deleteLink(name string) {
	if l, err := netlink.LinkByName(name); err == nil {
		netlink.LinkDel(l)
	}
}

func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}
