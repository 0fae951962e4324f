package integration

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestPortRace: runs of one host port started at the same moment: exactly
// one gets it, every other fails with one line naming the winner.
func TestPortRace(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	for round := 0; round < 5; round++ {
		n := 2 + round%3
		hp := freeHostPort(t)
		results := make([]result, n)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = s.run("run", "-d", "--name", fmt.Sprintf("race%d-%d", round, i), "-p", fmt.Sprintf("127.0.0.1:%d:80", hp), "busybox", "sleep", "300")
			}()
		}
		wg.Wait()
		winner := ""
		for i, r := range results {
			if r.code == 0 {
				if winner != "" {
					t.Fatalf("round %d: %s and race%d-%d both got port %d", round, winner, round, i, hp)
				}
				winner = fmt.Sprintf("race%d-%d", round, i)
			}
		}
		if winner == "" {
			t.Fatalf("round %d: nobody got port %d: %v", round, hp, results)
		}
		for i, r := range results {
			want := fmt.Sprintf(`berth: container race%d-%d: port 127.0.0.1:%d/tcp is already used by container %q`, round, i, hp, winner)
			if r.code != 0 && (r.code != 125 || strings.TrimSpace(r.stderr) != want) {
				t.Errorf("round %d: race%d-%d: %v, want rc 125 and %q", round, round, i, r, want)
			}
		}
		s.ok("rm", "-f", winner)
	}
}

func bindErr(proto, address string) error {
	if proto == "udp" {
		c, err := net.ListenPacket("udp4", address)
		if err == nil {
			c.Close()
		}
		return err
	}
	l, err := net.Listen("tcp4", address)
	if err == nil {
		l.Close()
	}
	return err
}

// TestPortHeld: a published port is held on the host while its container
// runs (a host process cannot bind it, tcp or udp) without swallowing
// traffic: the container answers on 127.0.0.1 and on the bridge's
// address. Once the container stops, the port is free.
func TestPortHeld(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	lo, all, udp := freeHostPort(t), freeHostPort(t), freeHostPort(t)
	s.ok(append([]string{"run", "-d", "--name", "held", "-p", fmt.Sprintf("127.0.0.1:%d:80", lo), "-p", fmt.Sprintf("%d:80", all),
		"-p", fmt.Sprintf("127.0.0.1:%d:53/udp", udp)}, httpdArgs("held")...)...)
	gw := s.ok("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", "bridge")
	for _, c := range []struct{ proto, addr string }{
		{"tcp", fmt.Sprintf("127.0.0.1:%d", lo)},
		{"tcp", fmt.Sprintf("127.0.0.1:%d", all)},
		{"tcp", fmt.Sprintf("%s:%d", gw, all)},
		{"tcp", fmt.Sprintf("0.0.0.0:%d", all)},
		{"udp", fmt.Sprintf("127.0.0.1:%d", udp)},
	} {
		if err := bindErr(c.proto, c.addr); !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("bind %s %s while the container runs: %v, want EADDRINUSE", c.proto, c.addr, err)
		}
	}
	for _, url := range []string{fmt.Sprintf("http://127.0.0.1:%d/", lo), fmt.Sprintf("http://127.0.0.1:%d/", all), fmt.Sprintf("http://%s:%d/", gw, all)} {
		if got := get(t, url); got != "hello from held\n" {
			t.Errorf("GET %s: %q", url, got)
		}
	}
	s.ok("stop", "-t", "1", "held")
	for _, c := range []struct{ proto, addr string }{
		{"tcp", fmt.Sprintf("127.0.0.1:%d", lo)},
		{"tcp", fmt.Sprintf("0.0.0.0:%d", all)},
		{"udp", fmt.Sprintf("127.0.0.1:%d", udp)},
	} {
		if err := bindErr(c.proto, c.addr); err != nil {
			t.Errorf("bind %s %s after stop: %v", c.proto, c.addr, err)
		}
	}
}

// TestPortAcrossStores: a port held by another store's container, or by a
// host process, is refused with one line naming the holder.
func TestPortAcrossStores(t *testing.T) {
	t.Parallel()
	a, b := newStore(t), newStore(t)
	hp := freeHostPort(t)
	a.ok("run", "-d", "--name", "web", "-p", fmt.Sprintf("127.0.0.1:%d:80", hp), "busybox", "sleep", "300")
	b.fails(125, fmt.Sprintf(`berth: container web2: port 127.0.0.1:%d/tcp is already used by container "web" of store %s`, hp, a.root),
		"run", "-d", "--name", "web2", "-p", fmt.Sprintf("127.0.0.1:%d:80", hp), "busybox", "sleep", "300")
	b.fails(125, fmt.Sprintf(`port 0.0.0.0:%d/tcp is already used by container "web" of store %s`, hp, a.root),
		"run", "--rm", "-p", fmt.Sprintf("%d:80", hp), "busybox", "true")
	a.ok("rm", "-f", "web")
	b.ok("start", "web2") // the port is free again

	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	up := udp.LocalAddr().(*net.UDPAddr).Port
	a.fails(125, fmt.Sprintf("port 127.0.0.1:%d/udp is already used by a host process", up),
		"run", "--rm", "-p", fmt.Sprintf("127.0.0.1:%d:53/udp", up), "busybox", "true")
}

// TestPortBadInput: -p values berth cannot publish are refused before
// anything is created.
func TestPortBadInput(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	s.fails(125, "host port 0.0.0.0:8080/tcp is published twice", "run", "--rm", "-p", "8080:80", "-p", "8080:81", "busybox", "true")
	s.fails(125, "host address ::1 is IPv6", "run", "--rm", "-p", "[::1]:8080:80", "busybox", "true")
	s.fails(125, "host port must be 0-65535", "run", "--rm", "-p", "65536:80", "busybox", "true")
	if got := s.ok("ps", "-aq"); got != "" {
		t.Errorf("containers left: %q", got)
	}
}

// TestNetworkInspectRunning: network inspect lists the running members of
// a network only, as docker's does.
func TestNetworkInspectRunning(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	s.ok("network", "create", "members")
	s.ok("run", "-d", "--name", "up", "--network", "members", "busybox", "sleep", "300")
	s.ok("create", "--name", "created", "--network", "members", "busybox", "true")
	s.ok("run", "--name", "exited", "--network", "members", "busybox", "true")
	if got := s.ok("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", "members"); got != "up" {
		t.Errorf("network inspect members: %q, want up", got)
	}
	s.ok("stop", "-t", "1", "up")
	if got := s.ok("network", "inspect", "-f", "{{len .Containers}}", "members"); got != "0" {
		t.Errorf("network inspect after stop: %q containers", got)
	}
	s.fails(1, "network members is in use by container", "network", "rm", "members")
}
