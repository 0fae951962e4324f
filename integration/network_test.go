package integration

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// httpdArgs serves "hello from NAME" with busybox httpd on port 80.
func httpdArgs(name string) []string {
	return []string{"busybox", "sh", "-c", "mkdir -p /www && echo hello from " + name + " > /www/index.html && exec httpd -f -p 80 -h /www"}
}

// storeCmd runs berth on a store of the test's own.
type storeCmd struct {
	t    *testing.T
	root string
}

func newStore(t *testing.T) storeCmd {
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	s := storeCmd{t, root}
	t.Cleanup(func() {
		if ids := strings.Fields(berth(t, "--root", root, "ps", "-aq").stdout); len(ids) > 0 {
			berth(t, append([]string{"--root", root, "rm", "-f"}, ids...)...)
		}
		berth(t, "--root", root, "network", "prune", "-f")
	})
	return s
}

func (s storeCmd) ok(args ...string) string {
	return ok(s.t, append([]string{"--root", s.root}, args...)...)
}
func (s storeCmd) run(args ...string) result {
	return berth(s.t, append([]string{"--root", s.root}, args...)...)
}
func (s storeCmd) fails(code int, msg string, args ...string) {
	fails(s.t, code, []string{msg}, append([]string{"--root", s.root}, args...)...)
}

func get(t *testing.T, url string) string {
	t.Helper()
	c := http.Client{Timeout: 3 * time.Second}
	var last error
	for i := 0; i < 50; i++ {
		resp, err := c.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(body)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("GET %s: %v", url, last)
	return ""
}

func freeHostPort(t *testing.T) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestPublishedPorts: busybox httpd on a published port answers HTTP from
// the host at 127.0.0.1, for a given host port, a chosen one (-p 80) and
// -P; `berth port`, ps PORTS and inspect agree; a taken port is refused.
func TestPublishedPorts(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	hp := freeHostPort(t)
	s.ok(append([]string{"run", "-d", "--name", "fixed", "-p", fmt.Sprintf("%d:80", hp)}, httpdArgs("fixed")...)...)
	if got := get(t, fmt.Sprintf("http://127.0.0.1:%d/", hp)); got != "hello from fixed\n" {
		t.Errorf("fixed port: %q", got)
	}
	if got := s.ok("port", "fixed"); got != fmt.Sprintf("80/tcp -> 0.0.0.0:%d", hp) {
		t.Errorf("port: %q", got)
	}
	if got := s.ok("ps", "--format", "{{.Ports}}", "--filter", "name=fixed"); got != fmt.Sprintf("0.0.0.0:%d->80/tcp", hp) {
		t.Errorf("ps PORTS: %q", got)
	}

	s.ok(append([]string{"run", "-d", "--name", "chosen", "-p", "127.0.0.1::80"}, httpdArgs("chosen")...)...)
	addr := s.ok("port", "chosen", "80")
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("port chosen 80: %q", addr)
	}
	if got := get(t, "http://"+addr+"/"); got != "hello from chosen\n" {
		t.Errorf("chosen port: %q", got)
	}
	if got := s.ok("inspect", "-f", "{{(index .NetworkSettings.Ports \"80/tcp\" 0).HostIp}}", "chosen"); got != "127.0.0.1" {
		t.Errorf("inspect Ports: %q", got)
	}

	s.ok("run", "--name", "exp", "busybox", "true")
	s.ok("commit", "-c", "EXPOSE 80", "exp", "exposing:1")
	s.ok(append([]string{"run", "-d", "--name", "all", "-P", "exposing:1"}, httpdArgs("all")[1:]...)...)
	if got := get(t, "http://127.0.0.1:"+strings.Split(s.ok("port", "all", "80/tcp"), ":")[1]+"/"); got != "hello from all\n" {
		t.Errorf("-P: %q", got)
	}

	s.fails(125, fmt.Sprintf(`port 0.0.0.0:%d/tcp is already used by container "fixed"`, hp), "run", "--rm", "-p", fmt.Sprintf("%d:80", hp), "busybox", "true")
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	s.fails(125, fmt.Sprintf("port 127.0.0.1:%d/tcp is already used by a host process", taken), "run", "--rm", "-p", fmt.Sprintf("127.0.0.1:%d:80", taken), "busybox", "true")
}

// TestUserNetwork: two containers on a user network: one serves, the other
// fetches it by container name and by alias; the network lists its members
// and cannot be removed while they exist. --link works on the default one.
func TestUserNetwork(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	s.ok("network", "create", "--label", "course=net", "lab")
	s.ok(append([]string{"run", "-d", "--name", "srv", "--network", "lab", "--network-alias", "web"}, httpdArgs("srv")...)...)
	got := s.ok("run", "--rm", "--network", "lab", "busybox", "sh", "-c",
		"for i in $(seq 50); do wget -qO- http://srv/ && break; sleep 0.1; done; wget -qO- http://web/")
	if got != "hello from srv\nhello from srv" {
		t.Errorf("by name and alias: %q", got)
	}
	// Traffic stays on the machine: no default route, only the subnet's.
	if routes := s.ok("run", "--rm", "--network", "lab", "busybox", "ip", "route"); strings.Contains(routes, "default") || strings.Count(routes, "\n") != 0 {
		t.Errorf("routes in a container: %q", routes)
	}
	if got := s.ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}} {{.Labels}}", "lab"); got != "srv map[course:net]" {
		t.Errorf("network inspect: %q", got)
	}
	if got := s.ok("network", "ls", "--format", "{{.Name}} {{.Driver}}"); got != "bridge bridge\nhost host\nlab bridge\nnone null" {
		t.Errorf("network ls: %q", got)
	}
	s.fails(1, "network lab is in use by container srv", "network", "rm", "lab")

	// --link on the default network.
	s.ok(append([]string{"run", "-d", "--name", "db"}, httpdArgs("db")...)...)
	if got := s.ok("run", "--rm", "--link", "db:database", "busybox", "sh", "-c",
		"for i in $(seq 50); do wget -qO- http://database/ && break; sleep 0.1; done"); got != "hello from db" {
		t.Errorf("--link: %q", got)
	}

	// connect a running container to the network, then disconnect it.
	s.ok("run", "-d", "--name", "roamer", "busybox", "sleep", "300")
	s.ok("network", "connect", "--alias", "wanderer", "lab", "roamer")
	if got := s.ok("exec", "roamer", "wget", "-qO-", "http://srv/"); got != "hello from srv" {
		t.Errorf("after connect: %q", got)
	}
	if got := s.ok("exec", "srv", "grep", "-c", "wanderer", "/etc/hosts"); got != "1" {
		t.Errorf("srv's hosts after connect: %q", got)
	}
	s.ok("network", "disconnect", "lab", "roamer")
	if r := s.run("exec", "roamer", "wget", "-T", "1", "-qO-", "http://srv/"); r.code == 0 {
		t.Errorf("after disconnect still reaches srv: %v", r)
	}
	s.ok("rm", "-f", "srv", "roamer")
	s.ok("network", "rm", "lab")
}

// TestNetworkTeardown: 50 run/rm cycles with a published port leave no
// veth, no address allocation and no firewall or NAT rule behind; neither
// does a shim killed with -9.
func TestNetworkTeardown(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	s.ok("network", "create", "cycles")
	bridge := s.ok("network", "inspect", "-f", `{{index .Options "com.docker.network.bridge.name"}}`, "cycles")
	var subnet24, id string
	fmt.Sscanf(s.ok("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}} {{.Id}}", "cycles"), "%s %s", &subnet24, &id)
	subnet24, cni := strings.TrimSuffix(subnet24, "0/24"), "berth-"+id[:12]
	before := countRules(t, subnet24, cni)
	for i := 0; i < 50; i++ {
		s.ok("run", "--rm", "--network", "cycles", "-p", "127.0.0.1::80", "busybox", "true")
	}
	s.ok("run", "-d", "--name", "victim", "--network", "cycles", "-p", "127.0.0.1::80", "busybox", "sleep", "300")
	if n := countRules(t, subnet24, cni); n < 3 {
		t.Errorf("a running container with a published port has %d rules counted", n)
	}
	shim := s.ok("inspect", "-f", "{{.Id}}", "victim")
	pid := shimPidOf(t, s.root, shim)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	eventually(t, 10*time.Second, "the shim gone", func() bool { return !alive(pid) })
	s.ok("ps", "-a") // reconciles
	if out, _ := exec.Command("ip", "-o", "link", "show", "master", bridge).CombinedOutput(); strings.Contains(string(out), "veth") {
		t.Errorf("veths left on %s:\n%s", bridge, out)
	}
	if n := countRules(t, subnet24, cni); n != 0 || before != 0 {
		t.Errorf("iptables rules of network cycles: %d before, %d after", before, n)
	}
	ipam, _ := filepath.Glob(filepath.Join("/run", "berth-*", "cni", "ipam", "berth-*", "10.*"))
	for _, f := range ipam {
		if strings.Contains(f, runRootOf(s.root)) {
			t.Errorf("address still allocated: %s", f)
		}
	}
}

func runRootOf(root string) string {
	out, _ := exec.Command("sh", "-c", "printf %s "+root+" | sha256sum | cut -c1-12").Output()
	return "/run/berth-" + strings.TrimSpace(string(out))
}

// countRules counts the iptables rules (filter and nat) that CNI's plugins
// made for the containers of one network: those naming its subnet (the
// firewall plugin's forward rules, the portmap plugin's DNAT) or its CNI
// name. Other stores' rules, made by tests running meanwhile, do not count.
func countRules(t *testing.T, subnet24, cniName string) int {
	out, err := exec.Command("iptables-save").Output()
	if err != nil {
		t.Fatalf("iptables-save: %v", err)
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, " "+subnet24) || strings.Contains(l, `dnat name: \"`+cniName+`\"`) {
			n++
		}
	}
	return n
}

// TestNetworkBadInput: one line each and nothing left behind.
func TestNetworkBadInput(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	s.ok("network", "create", "--subnet", "10.214.251.0/24", "first")
	s.fails(125, "network nowhere not found", "run", "--rm", "--network", "nowhere", "busybox", "true")
	s.fails(1, "pool overlaps", "network", "create", "--subnet", "10.214.251.128/25", "second")
	s.fails(1, "already exists", "network", "create", "first")
	s.fails(1, "predefined", "network", "create", "host")
	s.fails(125, "invalid port specification", "run", "--rm", "-p", "99999:80", "busybox", "true")
	s.fails(125, "invalid port specification", "run", "--rm", "-p", "80/icmp", "busybox", "true")
	s.fails(125, "aliases are only supported for user-defined networks", "run", "--rm", "--network-alias", "x", "busybox", "true")
	s.fails(1, "predefined", "network", "rm", "bridge")
	if got := s.ok("ps", "-aq"); got != "" {
		t.Errorf("containers left: %q", got)
	}
}

// TestNetworkBridgeReclaimed: a store's bridge outlives its containers but
// not the store: once the store is deleted, the next subnet plan of
// another store deletes the bridge and frees its subnet.
func TestNetworkBridgeReclaimed(t *testing.T) {
	t.Parallel()
	gone := t.TempDir()
	ok(t, "--root", gone, "bootstrap")
	ok(t, "--root", gone, "run", "--rm", "busybox", "true")
	bridge := ok(t, "--root", gone, "network", "inspect", "-f", `{{index .Options "com.docker.network.bridge.name"}}`, "bridge")
	if out, _ := exec.Command("ip", "-d", "link", "show", bridge).CombinedOutput(); !strings.Contains(string(out), "alias berth:"+gone) {
		t.Fatalf("bridge %s does not name its store:\n%s", bridge, out)
	}
	removeStore(gone)
	os.RemoveAll(gone)
	s := newStore(t)
	s.ok("network", "create", "after")
	if out, err := exec.Command("ip", "link", "show", bridge).CombinedOutput(); err == nil {
		t.Errorf("bridge %s of a deleted store is still there:\n%s", bridge, out)
	}
}
