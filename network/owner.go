package network

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// A bridge carries its owner in its interface alias: "berth:" and the
// path of its network's definition. A bridge outlives its containers (as
// docker0 does) but not its store: once the definition is gone (the
// network removed, or a whole store deleted, as tests do with temporary
// stores), the next subnet plan of any store deletes the bridge and its
// subnet is free again.
const ownerPrefix = "berth:"

// OwnerAlias is the alias of a bridge of the network defined at def (the
// network's file in its store): "berth:" and that path.
func OwnerAlias(def string) string { return ownerPrefix + def }

func (s *Store) definition(n *Network) string { return filepath.Join(s.dir, n.Name+".json") }

// linkOwner is who holds a link of a given name, as seen by one network.
type linkOwner int

const (
	linkFree   linkOwner = iota // no link has the name
	linkOurs                    // the network's bridge, or an unclaimed bridge (made by the bridge plugin)
	linkTheirs                  // another network's bridge (of this store or another), or not a bridge
)

// owner says who holds the link called name, from n's side. A bridge whose
// owner's definition is gone counts as free: reclaimOrphans deletes it.
func (s *Store) owner(name string, n *Network) linkOwner {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return linkFree
	}
	alias := l.Attrs().Alias
	def, claimed := strings.CutPrefix(alias, ownerPrefix)
	switch {
	case l.Type() != "bridge":
		return linkTheirs
	case alias == ownerPrefix+s.definition(n) || alias == "":
		return linkOurs
	case !claimed || !filepath.IsAbs(def):
		return linkTheirs
	}
	if _, err := os.Stat(def); os.IsNotExist(err) {
		return linkFree
	}
	return linkTheirs
}

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

// maxBridgeNames is how many names pickBridge tries.
const maxBridgeNames = 100

// firstBridge is the name n's bridge is first tried with: the store's
// default bridge name, or br- and 12 hex of the network's ID, as docker's.
func (s *Store) firstBridge(n *Network) string {
	if n.Name == DefaultName {
		return s.defaultBridge
	}
	return "br-" + n.ID[:12]
}

// pickBridge names n's bridge: the first of NAME, NAME-1, NAME-2, ... (NAME
// from firstBridge, cut to fit an interface name) that is not another
// network's, in this store or any other; a name already n's is kept. The
// choice is the same for the same links, and recorded in n's definition by
// the caller. The caller holds the host lock.
func (s *Store) pickBridge(n *Network) error {
	first := s.firstBridge(n)
	reclaimOrphans()
	used := map[string]bool{}
	all, err := s.List()
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Name != n.Name {
			used[o.Bridge()] = true
		}
	}
	for i := 0; i < maxBridgeNames; i++ {
		if name := bridgeName(first, i); !used[name] && s.owner(name, n) != linkTheirs {
			n.Options[BridgeOption] = name
			return nil
		}
	}
	return fmt.Errorf("network %s: bridges %s to %s are all taken: %w", n.Name, first, bridgeName(first, maxBridgeNames-1), errdefs.ErrUnavailable)
}

// bridgeName is the i-th name pickBridge tries: first, then first-i, cut
// to fit an interface name.
func bridgeName(first string, i int) string {
	if i == 0 {
		return first
	}
	suffix := "-" + strconv.Itoa(i)
	return first[:min(len(first), unix.IFNAMSIZ-1-len(suffix))] + suffix
}

// ReclaimOrphans deletes the berth bridges whose network definition is
// gone (their store was deleted), so that their routes no longer hold
// their subnets. Every subnet plan does it; a caller that deletes a store
// may do it at once.
func ReclaimOrphans() { reclaimOrphans() }

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

func lockHost() (func(), error) { return lockFile(hostLock) }

// lockFile takes an exclusive flock on path, waiting for it; the returned
// func releases it. The kernel releases it when the holder dies.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // Go opens with O_CLOEXEC
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
// the host lock and has picked a name no other network holds.
func (s *Store) makeBridge(n *Network) error {
	switch s.owner(n.Bridge(), n) {
	case linkOurs:
		s.claimBridge(n)
		return nil
	case linkTheirs:
		return fmt.Errorf("network %s: bridge %s belongs to another network: %w", n.Name, n.Bridge(), errdefs.ErrAlreadyExists)
	}
	deleteLink(n.Bridge()) // an orphan's
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
// deleted by hand) before a container attaches to it. If another store has
// taken its name meanwhile, n moves to the next free name; if that store
// has taken the default network's subnet, the default network gets a new
// one (a subnet given by the user is never changed: that is an error).
// Either change is written to n's definition and to n.
func (s *Store) ensureBridge(n *Network) error {
	if l, err := netlink.LinkByName(n.Bridge()); err == nil && l.Attrs().Alias == ownerPrefix+s.definition(n) {
		return nil
	}
	unlock, err := lockHost()
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := s.load(n.Name) // as another process may have moved it
	if os.IsNotExist(err) {
		return fmt.Errorf("network %s not found: %w", n.Name, errdefs.ErrNotFound)
	}
	if err != nil {
		return err
	}
	moved := false
	if s.owner(cur.Bridge(), cur) == linkTheirs {
		if err := s.pickBridge(cur); err != nil {
			return err
		}
		moved = true
	}
	if _, sub, err := net.ParseCIDR(cur.Subnet()); err == nil && cur.Name == DefaultName && s.owner(cur.Bridge(), cur) == linkFree {
		reclaimOrphans()
		if overlapsAny(sub, hostRoutes(nil)) {
			subnet, gw, err := s.plan("", "")
			if err != nil {
				return err
			}
			cur.IPAM.Config = []IPAMConfig{{Subnet: subnet, Gateway: gw}}
			moved = true
		}
	}
	if moved {
		if err := atomicfile.WriteJSON(s.definition(cur), cur, 0o600); err != nil {
			return err
		}
	}
	*n = *cur
	return s.makeBridge(n)
}
