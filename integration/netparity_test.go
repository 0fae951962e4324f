package integration

import (
	"strings"
	"testing"
)

// TestNetworkLsPredefined: network ls lists docker's three predefined
// networks (bridge, host, none) by name, with 12-digit IDs that are not
// zero-padded; host and none cannot be removed, connected or inspected
// away, and the dangling and type filters leave them out as docker does.
func TestNetworkLsPredefined(t *testing.T) {
	s := newStore(t)
	got := s.ok("network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}")
	if got != "bridge bridge local\nhost host local\nnone null local" {
		t.Errorf("network ls: %q", got)
	}
	for _, id := range strings.Fields(s.ok("network", "ls", "-q", "--no-trunc")) {
		if len(id) != 64 || strings.HasSuffix(id, "0000") {
			t.Errorf("network ID %q: want 64 hex digits, not zero-padded", id)
		}
	}
	for _, id := range strings.Fields(s.ok("network", "ls", "-q")) {
		if len(id) != 12 {
			t.Errorf("short network ID %q: want 12 digits", id)
		}
	}
	if got := s.ok("network", "inspect", "-f", "{{.Name}} {{.Driver}}", "host", "none"); got != "host host\nnone null" {
		t.Errorf("network inspect host none: %q", got)
	}
	if got := s.ok("network", "ls", "-f", "dangling=true", "--format", "{{.Name}}"); got != "" {
		t.Errorf("dangling networks: %q", got)
	}
	s.ok("network", "create", "mine")
	if got := s.ok("network", "ls", "-f", "type=custom", "--format", "{{.Name}}"); got != "mine" {
		t.Errorf("custom networks: %q", got)
	}
	s.fails(1, "host is a pre-defined network and cannot be removed", "network", "rm", "host")
	s.fails(1, "none is a pre-defined network and cannot be removed", "network", "rm", "none")
	s.ok("create", "--pull", "never", "--name", "c1", "busybox", "true")
	s.fails(1, "container cannot be disconnected from host network or connected to host network", "network", "connect", "host", "c1")
	// No raw error class is left in what a user reads.
	r := s.run("network", "rm", "host")
	if strings.Contains(r.stderr, "failed precondition") {
		t.Errorf("raw class in %q", r.stderr)
	}
}

// TestStaticAddress: --ip and --mac-address give the container that
// address on a user network; an address outside the subnet, the gateway,
// one another container holds, --ip on the default network and a multicast
// MAC are each refused in one line, and nothing is left attached.
func TestStaticAddress(t *testing.T) {
	s := newStore(t)
	s.ok("network", "create", "--subnet", "10.213.251.0/24", "fixed")
	got := s.ok("run", "--rm", "--pull", "never", "--network", "fixed", "--ip", "10.213.251.42",
		"--mac-address", "02:42:ac:11:00:99", "busybox", "sh", "-c", "ip -o -4 addr show eth0; cat /sys/class/net/eth0/address")
	if !strings.Contains(got, "inet 10.213.251.42/24") || !strings.HasSuffix(got, "02:42:ac:11:00:99") {
		t.Errorf("--ip/--mac-address: %q", got)
	}
	s.ok("run", "-d", "--pull", "never", "--name", "holder", "--network", "fixed", "--ip", "10.213.251.7", "busybox", "sleep", "300")
	if got := s.ok("inspect", "-f", `{{.NetworkSettings.Networks.fixed.IPAddress}} {{.NetworkSettings.Networks.fixed.IPAMConfig.IPv4Address}}`, "holder"); got != "10.213.251.7 10.213.251.7" {
		t.Errorf("inspect: %q", got)
	}
	s.fails(125, "network fixed: address 10.213.251.7: already in use", "run", "--rm", "--pull", "never", "--network", "fixed", "--ip", "10.213.251.7", "busybox", "true")
	s.fails(125, "network fixed: address 10.213.252.7: it does not belong to any of this network's subnets", "create", "--pull", "never", "--network", "fixed", "--ip", "10.213.252.7", "busybox")
	s.fails(125, "address 10.213.251.1: already in use (the network's gateway)", "create", "--pull", "never", "--network", "fixed", "--ip", "10.213.251.1", "busybox")
	s.fails(125, "address 10.213.251.255: is the subnet's broadcast address", "create", "--pull", "never", "--network", "fixed", "--ip", "10.213.251.255", "busybox")
	s.fails(125, `invalid IPv4 address: "fe80::1"`, "create", "--pull", "never", "--network", "fixed", "--ip", "fe80::1", "busybox")
	s.fails(125, "user specified IP address is supported on user defined networks only", "create", "--pull", "never", "--ip", "10.213.251.9", "busybox")
	s.fails(125, "01:00:5e:00:00:01 is not a valid mac address", "create", "--pull", "never", "--mac-address", "01:00:5e:00:00:01", "busybox")
	s.fails(125, "conflicting options: mac-address and the network mode", "create", "--pull", "never", "--network", "none", "--mac-address", "02:42:ac:11:00:98", "busybox")
	// The refused run left no container holding the address: the holder
	// gone, the address is free again.
	s.ok("rm", "-f", "holder")
	if got := s.ok("run", "--rm", "--pull", "never", "--network", "fixed", "--ip", "10.213.251.7", "busybox", "ip", "-o", "-4", "addr", "show", "eth0"); !strings.Contains(got, "10.213.251.7/24") {
		t.Errorf("address after its holder went: %q", got)
	}
}

// TestPlatformLocalImage: --platform is checked against the local image;
// with --pull never one of another platform is docker's error line, and
// the host's own platform runs.
func TestPlatformLocalImage(t *testing.T) {
	s := newStore(t)
	arch := s.ok("image", "inspect", "-f", "{{.Architecture}}", "busybox")
	other := "arm64"
	if arch == "arm64" {
		other = "amd64"
	}
	s.fails(125, "image with reference busybox was found but does not match the specified platform: wanted linux/"+other+", actual: linux/"+arch,
		"run", "--rm", "--pull", "never", "--platform", "linux/"+other, "busybox", "true")
	s.fails(125, "image with reference busybox was found but does not match the specified platform", "create", "--pull", "never", "--platform", "linux/"+other, "busybox")
	if got := s.ok("run", "--rm", "--pull", "never", "--platform", "linux/"+arch, "busybox", "echo", "ok"); got != "ok" {
		t.Errorf("own platform: %q", got)
	}
	s.fails(125, `invalid platform "nonsense"`, "run", "--rm", "--pull", "never", "--platform", "nonsense", "busybox", "true")
}
