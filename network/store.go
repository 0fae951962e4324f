package network

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/berthdev/berth/internal/atomicfile"
	"github.com/berthdev/berth/internal/errdefs"
)

// DefaultName is the network containers join when none is named, as
// docker's "bridge".
const DefaultName = "bridge"

// Network is a network definition, with docker's inspect names.
type Network struct {
	Name     string            `json:"Name"`
	ID       string            `json:"Id"`
	Created  time.Time         `json:"Created"`
	Scope    string            `json:"Scope"`
	Driver   string            `json:"Driver"`
	IPAM     IPAM              `json:"IPAM"`
	Internal bool              `json:"Internal"`
	Options  map[string]string `json:"Options"`
	Labels   map[string]string `json:"Labels"`
}

// IPAM is a network's address plan.
type IPAM struct {
	Driver string       `json:"Driver"`
	Config []IPAMConfig `json:"Config"`
}

// IPAMConfig is one subnet.
type IPAMConfig struct {
	Subnet  string `json:"Subnet"`
	Gateway string `json:"Gateway"`
}

// BridgeOption is the option naming a network's bridge, as docker's.
const BridgeOption = "com.docker.network.bridge.name"

// Bridge is the network's bridge interface.
func (n *Network) Bridge() string { return n.Options[BridgeOption] }

// Subnet is the network's (only) subnet; "" for host and none.
func (n *Network) Subnet() string {
	if len(n.IPAM.Config) == 0 {
		return ""
	}
	return n.IPAM.Config[0].Subnet
}

// Gateway is the bridge's address; "" for host and none.
func (n *Network) Gateway() string {
	if len(n.IPAM.Config) == 0 {
		return ""
	}
	return n.IPAM.Config[0].Gateway
}

// Store holds one berth store's networks.
type Store struct {
	dir, runRoot string
	key          string // 12 hex naming this store; "" for the default store
	// defaultBridge is the name first tried for the default network's
	// bridge: berth0, or berth and 6 hex of key. Stores whose keys share
	// those digits go on to the next free name (see pickBridge).
	defaultBridge string
}

// Open returns the networks of a store: definitions under dir, volatile
// CNI state under runRoot. key tells stores apart ("" for the default).
func Open(dir, runRoot, key string) *Store {
	s := &Store{dir: dir, runRoot: runRoot, key: key, defaultBridge: "berth0"}
	if key != "" {
		s.defaultBridge = "berth" + key[:6]
	}
	return s
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// pool is where berth takes its /24 subnets from.
var pool = net.IPNet{IP: net.IPv4(10, 213, 0, 0).To4(), Mask: net.CIDRMask(16, 32)}

// CreateOptions is `berth network create`.
type CreateOptions struct {
	Name     string
	Driver   string // only "bridge"
	Subnet   string // CIDR; chosen from berth's pool when empty
	Gateway  string // the subnet's first address when empty
	Internal bool
	Labels   map[string]string
}

// Create defines a network. The caller holds the store lock.
func (s *Store) Create(o CreateOptions) (*Network, error) {
	switch {
	case IsPredefined(o.Name) || o.Name == DefaultName:
		return nil, fmt.Errorf("network %s: a predefined network has that name: %w", o.Name, errdefs.ErrAlreadyExists)
	case !nameRE.MatchString(o.Name):
		return nil, fmt.Errorf("network name %q: invalid (use letters, digits, _ . -): %w", o.Name, errdefs.ErrInvalid)
	case o.Driver != "" && o.Driver != "bridge":
		return nil, fmt.Errorf("network driver %q: only bridge is available: %w", o.Driver, errdefs.ErrNotFound)
	}
	if _, err := s.Get(o.Name); err == nil {
		return nil, fmt.Errorf("network with name %s already exists: %w", o.Name, errdefs.ErrAlreadyExists)
	}
	return s.create(o, randomID())
}

func (s *Store) create(o CreateOptions, id string) (*Network, error) {
	unlock, err := lockHost()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if n, err := s.load(o.Name); err == nil {
		if o.Name == DefaultName {
			return n, nil // defined meanwhile
		}
		return nil, fmt.Errorf("network with name %s already exists: %w", o.Name, errdefs.ErrAlreadyExists)
	}
	subnet, gw, err := s.plan(o.Subnet, o.Gateway)
	if err != nil {
		return nil, err
	}
	labels := o.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	n := &Network{Name: o.Name, ID: id, Created: time.Now().UTC(), Scope: "local", Driver: "bridge",
		IPAM:     IPAM{Driver: "default", Config: []IPAMConfig{{Subnet: subnet, Gateway: gw}}},
		Internal: o.Internal, Options: map[string]string{}, Labels: labels}
	if err := s.pickBridge(n); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	if err := s.makeBridge(n); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteJSON(s.definition(n), n, 0o600); err != nil {
		deleteLink(n.Bridge())
		return nil, err
	}
	return n, nil
}

// Default is the store's default network, defined on first use.
func (s *Store) Default() (*Network, error) {
	if n, err := s.load(DefaultName); err == nil {
		return n, nil
	}
	o := CreateOptions{Name: DefaultName}
	return s.create(o, stableID(DefaultName, s.key))
}

// Get finds a network by name, ID or ID prefix; "bridge" is the default
// network even before it is defined.
func (s *Store) Get(ref string) (*Network, error) {
	if n, err := s.load(ref); err == nil || !os.IsNotExist(err) {
		return n, err
	}
	if ref == DefaultName {
		return s.Default()
	}
	if len(ref) >= 3 {
		all, _ := s.List()
		var found *Network
		for _, c := range all {
			if strings.HasPrefix(c.ID, ref) {
				if found != nil {
					return nil, fmt.Errorf("network %s: ambiguous ID prefix: %w", ref, errdefs.ErrInvalid)
				}
				found = c
			}
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, fmt.Errorf("network %s not found: %w", ref, errdefs.ErrNotFound)
}

// load reads the definition of the network named name.
func (s *Store) load(name string) (*Network, error) {
	if !nameRE.MatchString(name) {
		return nil, os.ErrNotExist
	}
	data, err := os.ReadFile(filepath.Join(s.dir, name+".json"))
	if err != nil {
		return nil, err
	}
	var n Network
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	return &n, nil
}

// List returns every defined network, the default one first.
func (s *Store) List() ([]*Network, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var out []*Network
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !nameRE.MatchString(name) {
			continue
		}
		var n Network
		if data, err := os.ReadFile(filepath.Join(s.dir, e.Name())); err == nil && json.Unmarshal(data, &n) == nil {
			out = append(out, &n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == DefaultName) != (out[j].Name == DefaultName) {
			return out[i].Name == DefaultName
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Remove deletes a network's definition and its bridge (unless another
// store holds a bridge of that name now). The caller checks that no
// container uses it and holds the store lock.
func (s *Store) Remove(n *Network) error {
	if n.Name == DefaultName {
		return fmt.Errorf("network %s is predefined and cannot be removed: %w", n.Name, errdefs.ErrFailedPrecondition)
	}
	unlock, err := lockHost()
	if err != nil {
		return err
	}
	defer unlock()
	if s.owner(n.Bridge(), n) == linkOurs {
		deleteLink(n.Bridge())
	}
	os.RemoveAll(filepath.Join(s.runRoot, "cni", "ipam", cniName(n)))
	return os.Remove(filepath.Join(s.dir, n.Name+".json"))
}

// plan picks (or checks) a subnet and gateway: not overlapping this
// store's networks or any route of the host.
func (s *Store) plan(subnet, gateway string) (string, string, error) {
	taken, err := s.takenNets()
	if err != nil {
		return "", "", err
	}
	if subnet == "" {
		if gateway != "" {
			return "", "", fmt.Errorf("--gateway needs --subnet: %w", errdefs.ErrInvalid)
		}
		start := 0
		if s.key != "" {
			b, _ := hex.DecodeString(s.key[:2])
			start = int(b[0])
		}
		for i := 0; i < 256; i++ {
			third := byte((start + i) % 256)
			cand := net.IPNet{IP: net.IPv4(10, 213, third, 0).To4(), Mask: net.CIDRMask(24, 32)}
			if !overlapsAny(&cand, taken) {
				return cand.String(), firstHost(&cand).String(), nil
			}
		}
		return "", "", fmt.Errorf("no free subnet left in %s: %w", pool.String(), errdefs.ErrUnavailable)
	}
	ip, cidr, err := net.ParseCIDR(subnet)
	if err != nil || ip.To4() == nil {
		return "", "", fmt.Errorf("subnet %q: not an IPv4 CIDR: %w", subnet, errdefs.ErrInvalid)
	}
	if ones, _ := cidr.Mask.Size(); ones > 30 {
		return "", "", fmt.Errorf("subnet %s: too small (at most /30): %w", subnet, errdefs.ErrInvalid)
	}
	if overlapsAny(cidr, taken) {
		return "", "", fmt.Errorf("subnet %s: pool overlaps with other one on this address space: %w", cidr, errdefs.ErrAlreadyExists)
	}
	gw := firstHost(cidr)
	if gateway != "" {
		gw = net.ParseIP(gateway).To4()
		if gw == nil || !cidr.Contains(gw) {
			return "", "", fmt.Errorf("gateway %q: not an address of subnet %s: %w", gateway, cidr, errdefs.ErrInvalid)
		}
	}
	return cidr.String(), gw.String(), nil
}

// takenNets are this store's subnets and the host's routed ones (after
// the bridges of vanished stores are gone).
func (s *Store) takenNets() ([]*net.IPNet, error) {
	reclaimOrphans()
	var out []*net.IPNet
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	own := map[string]bool{}
	for _, n := range all {
		if _, c, err := net.ParseCIDR(n.Subnet()); err == nil {
			out = append(out, c)
		}
		if s.owner(n.Bridge(), n) == linkOurs {
			own[n.Bridge()] = true
		}
	}
	return append(out, hostRoutes(own)...), nil
}

// hostRoutes reads the host's IPv4 routes (not the default route, and not
// the bridges of this store's own networks) from /proc/net/route.
func hostRoutes(skip map[string]bool) []*net.IPNet {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []*net.IPNet
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 8 || skip[fl[0]] {
			continue
		}
		dst, err1 := hex.DecodeString(fl[1])
		mask, err2 := hex.DecodeString(fl[7])
		if err1 != nil || err2 != nil || len(dst) != 4 || len(mask) != 4 {
			continue
		}
		d, m := binary.LittleEndian.Uint32(dst), binary.LittleEndian.Uint32(mask)
		if m == 0 {
			continue
		}
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, d)
		mk := make(net.IPMask, 4)
		binary.BigEndian.PutUint32(mk, m)
		out = append(out, &net.IPNet{IP: ip, Mask: mk})
	}
	return out
}

func overlapsAny(c *net.IPNet, taken []*net.IPNet) bool {
	for _, t := range taken {
		if t.Contains(c.IP) || c.Contains(t.IP) {
			return true
		}
	}
	return false
}

func firstHost(c *net.IPNet) net.IP {
	ip := make(net.IP, 4)
	copy(ip, c.IP.To4())
	ip[3]++
	return ip
}

func randomID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
