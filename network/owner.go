package network

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/errdefs"
)

// A bridge carries its owner in its interface alias: "berth:" and the
// path of its network's definition. A bridge outlives its containers (as
// docker0 does) but not its store: once the definition is gone (the
// network removed, or a whole store deleted, as tests do with temporary
// stores), the next subnet plan of any store deletes the bridge and its
// subnet is free again.
const ownerPrefix = "berth:"

func (s *Store) definition(n *Network) string { return filepath.Join(s.dir, n.Name+".json") }

// claimBridge marks n's bridge (made by the bridge plugin on the first
// attach) as this store's.
func (s *Store) claimBridge(n *Network) {
	l, err := netlink.LinkByName(n.Bridge())
	if err != nil {
		return
	}
	if want := ownerPrefix + s.definition(n); l.Attrs().Alias != want {
		netlink.LinkSetAlias(l, want)
	}
}

// reclaimOrphans deletes the berth bridges whose network definition is
// gone, so that their routes no longer hold their subnets.
func reclaimOrphans() {
	links, err := netlink.LinkList()
	if err != nil {
		return
	}
	for _, l := range links {
		def, ok := strings.CutPrefix(l.Attrs().Alias, ownerPrefix)
		if !ok || l.Type() != "bridge" || !filepath.IsAbs(def) {
			continue
		}
		if _, err := os.Stat(def); os.IsNotExist(err) {
			netlink.LinkDel(l)
		}
	}
}

// hostLock is held while a store plans a subnet and makes its bridge, or
// remakes a missing one: stores have locks of their own, and two of them
// planning at once would otherwise pick the same free subnet.
const hostLock = "/run/berth-networks.lock"

func lockHost() (func(), error) {
	f, err := os.OpenFile(hostLock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// makeBridge makes n's bridge with its gateway address and claims it, so
// that its route holds the subnet from the moment it is chosen (the bridge
// plugin then finds it ready). A subnet routed elsewhere meanwhile (a
// store defined while this one's bridge was gone, after a reboot) is
// refused with a clear error rather than routed twice. The caller holds
// the host lock.
func (s *Store) makeBridge(n *Network) error {
	if _, err := netlink.LinkByName(n.Bridge()); err == nil {
		s.claimBridge(n)
		return nil
	}
	_, sub, err := net.ParseCIDR(n.Subnet())
	if err != nil {
		return fmt.Errorf("network %s: subnet %q: %w", n.Name, n.Subnet(), err)
	}
	reclaimOrphans()
	if overlapsAny(sub, hostRoutes(nil)) {
		return fmt.Errorf("network %s: subnet %s is routed elsewhere on this host; remove and recreate the network: %w", n.Name, sub, errdefs.ErrAlreadyExists)
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.Bridge(), Alias: ownerPrefix + s.definition(n)}}
	if err := netlink.LinkAdd(br); err != nil {
		return fmt.Errorf("network %s: bridge %s: %w", n.Name, n.Bridge(), err)
	}
	gw := &net.IPNet{IP: net.ParseIP(n.Gateway()).To4(), Mask: sub.Mask}
	if err := netlink.AddrAdd(br, &netlink.Addr{IPNet: gw}); err != nil {
		netlink.LinkDel(br)
		return fmt.Errorf("network %s: bridge %s address %s: %w", n.Name, n.Bridge(), gw, err)
	}
	netlink.LinkSetAlias(br, ownerPrefix+s.definition(n))
	if err := netlink.LinkSetUp(br); err != nil {
		netlink.LinkDel(br)
		return fmt.Errorf("network %s: bridge %s: %w", n.Name, n.Bridge(), err)
	}
	return nil
}

// ensureBridge remakes n's bridge when it is missing (after a reboot, or
// deleted by hand) before a container attaches to it.
func (s *Store) ensureBridge(n *Network) error {
	if l, err := netlink.LinkByName(n.Bridge()); err == nil {
		if l.Attrs().Alias != ownerPrefix+s.definition(n) {
			s.claimBridge(n)
		}
		return nil
	}
	unlock, err := lockHost()
	if err != nil {
		return err
	}
	defer unlock()
	return s.makeBridge(n)
}
