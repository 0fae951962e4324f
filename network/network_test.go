package network

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/berthdev/berth/internal/errdefs"
	"github.com/berthdev/berth/internal/testutil"
)

// TestPlanSubnets: subnets are chosen clear of each other and of the
// host's routes; a network's bridge is made with it and claimed.
func TestPlanSubnets(t *testing.T) {
	testutil.RequiresRoot(t)
	dir := t.TempDir()
	s := Open(filepath.Join(dir, "networks"), filepath.Join(dir, "run"), "0123456789ab")
	a, err := s.Create(CreateOptions{Name: "a", Subnet: "10.214.250.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteLink(a.Bridge()) })
	if l, err := netlink.LinkByName(a.Bridge()); err != nil || l.Attrs().Alias != "berth:"+s.definition(a) {
		t.Errorf("bridge of a: %v %v", l, err)
	}
	if a.Gateway() != "10.214.250.1" || a.Bridge() != "br-"+a.ID[:12] {
		t.Errorf("network a: %+v", a)
	}
	for _, o := range []CreateOptions{
		{Name: "b", Subnet: "10.214.250.128/25"},
		{Name: "c", Subnet: "10.214.0.0/16"},
	} {
		if _, err := s.Create(o); err == nil || !strings.Contains(err.Error(), "overlaps") {
			t.Errorf("%s %s: %v", o.Name, o.Subnet, err)
		}
	}
	if _, err := s.Create(CreateOptions{Name: "d", Subnet: "10.214.252.0/24", Gateway: "10.214.253.1"}); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("gateway outside: %v", err)
	}
	def, err := s.Get(DefaultName)
	t.Cleanup(func() { deleteLink("berth012345") })
	if err != nil || def.Bridge() != "berth012345" || def.Subnet() == a.Subnet() {
		t.Errorf("default network: %+v %v", def, err)
	}
	// Every chosen subnet stays in berth's pool and clear of the host's routes.
	_, sub, _ := net.ParseCIDR(def.Subnet())
	if !pool.Contains(sub.IP) || overlapsAny(sub, hostRoutes(map[string]bool{def.Bridge(): true})) {
		t.Errorf("default subnet %s", sub)
	}
	if _, err := s.Get("nowhere"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("unknown network: %v", err)
	}
}

func TestWriteResolvConf(t *testing.T) {
	dir := t.TempDir()
	host := filepath.Join(dir, "host")
	os.WriteFile(host, []byte("nameserver 127.0.0.53\nsearch example.org\noptions edns0\n"), 0o644)
	out := filepath.Join(dir, "resolv.conf")
	if err := WriteResolvConf(out, host); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	if strings.Contains(string(data), "\nnameserver") || !strings.Contains(string(data), "search example.org\noptions edns0\n") {
		t.Errorf("resolv.conf:\n%s", data)
	}
}

func TestWriteHostsInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts")
	WriteHosts(path, []HostEntry{{IP: "10.0.0.2", Names: []string{"me"}}}, nil)
	before, _ := os.Stat(path)
	WriteHosts(path, []HostEntry{{IP: "10.0.0.2", Names: []string{"me"}}}, []HostEntry{{IP: "10.0.0.3", Names: []string{"peer", "alias"}}})
	after, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	if !os.SameFile(before, after) || !strings.HasSuffix(string(data), "10.0.0.2\tme\n10.0.0.3\tpeer alias\n") {
		t.Errorf("hosts (same file %v):\n%s", os.SameFile(before, after), data)
	}
}

func TestBridgeName(t *testing.T) {
	for _, c := range []struct {
		first string
		i     int
		want  string
	}{
		{"berth0", 0, "berth0"},
		{"berth0", 1, "berth0-1"},
		{"berth0123ab", 7, "berth0123ab-7"},
		{"br-0123456789ab", 0, "br-0123456789ab"},
		{"br-0123456789ab", 1, "br-0123456789-1"},
		{"br-0123456789ab", 99, "br-012345678-99"},
	} {
		if got := bridgeName(c.first, c.i); got != c.want || len(got) > 15 {
			t.Errorf("bridgeName(%q, %d) = %q, want %q", c.first, c.i, got, c.want)
		}
	}
}

// TestStoresCollide: stores whose keys share their first hex digits (forced
// here by giving them one default bridge name; their keys share the digits
// the subnet search starts from) get bridges and subnets of their own, at
// once or after a bridge vanished (a reboot) and another store took its
// name and subnet meanwhile.
func TestStoresCollide(t *testing.T) {
	testutil.RequiresRoot(t)
	first := "bct" + strconv.Itoa(os.Getpid()%1000000)
	t.Cleanup(func() {
		for i := 0; i < 4; i++ {
			deleteLink(bridgeName(first, i))
		}
	})
	open := func(key string) *Store {
		dir := t.TempDir()
		s := Open(filepath.Join(dir, "networks"), filepath.Join(dir, "run"), key)
		s.defaultBridge = first
		return s
	}
	owned := func(s *Store, n *Network) {
		t.Helper()
		if l, err := netlink.LinkByName(n.Bridge()); err != nil || l.Attrs().Alias != ownerPrefix+s.definition(n) {
			t.Errorf("bridge %s of %s: owner %q, %v", n.Bridge(), s.dir, aliasOf(l), err)
		}
		if disk, err := s.load(n.Name); err != nil || disk.Bridge() != n.Bridge() || disk.Subnet() != n.Subnet() {
			t.Errorf("definition in %s: %+v, %v; want bridge %s, subnet %s", s.dir, disk, err, n.Bridge(), n.Subnet())
		}
	}
	sa, sb, sc := open("c01100000001"), open("c01100000002"), open("c01100000003")
	a, err := sa.Default()
	if err != nil {
		t.Fatalf("Default() = %v", err)
	}
	b, err := sb.Default()
	if err != nil {
		t.Fatalf("Default() = %v", err)
	}
	if a.Bridge() != first || b.Bridge() != first+"-1" || a.Subnet() == b.Subnet() {
		t.Errorf("stores share: a on %s %s, b on %s %s", a.Bridge(), a.Subnet(), b.Bridge(), b.Subnet())
	}
	owned(sa, a)
	owned(sb, b)

	// a's bridge goes; c takes its name and subnet; a moves on to the
	// next free name and a new subnet when it is needed again.
	deleteLink(a.Bridge())
	c, err := sc.Default()
	if err != nil {
		t.Fatalf("Default() = %v", err)
	}
	if c.Bridge() != first || c.Subnet() != a.Subnet() {
		t.Errorf("store c on %s %s, want a's %s %s", c.Bridge(), c.Subnet(), first, a.Subnet())
	}
	if err := sa.ensureBridge(a); err != nil {
		t.Fatalf("ensureBridge(a) = %v", err)
	}
	if a.Bridge() != first+"-2" || a.Subnet() == b.Subnet() || a.Subnet() == c.Subnet() {
		t.Errorf("store a moved to %s %s; b has %s, c %s", a.Bridge(), a.Subnet(), b.Subnet(), c.Subnet())
	}
	owned(sa, a)
	owned(sb, b)
	owned(sc, c)
}

func aliasOf(l netlink.Link) string {
	if l == nil {
		return ""
	}
	return l.Attrs().Alias
}
