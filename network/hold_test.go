package network

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/inspect"
)

// me is a live holder: this test process.
func me(name, store string) Holder {
	return Holder{Container: name, ID: name + "-id", Store: store, Pid: os.Getpid(), Start: inspect.StartTime(os.Getpid())}
}

// freePort is a port free on 127.0.0.1 for tcp and udp when asked.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if c, err := net.ListenPacket("udp4", addr("127.0.0.1", p)); err == nil {
			c.Close()
			return p
		}
	}
	t.Fatal("no port free for tcp and udp")
	return 0
}

func one(key, ip string, port int) bindings {
	return bindings{key: {{HostIP: ip, HostPort: strconv.Itoa(port)}}}
}

// TestHoldKeepsPortFromHost: while held, a host process cannot bind the
// port (tcp and udp, on its address or on every address); once released
// it can.
func TestHoldKeepsPortFromHost(t *testing.T) {
	reg := OpenPorts(t.TempDir())
	p := freePort(t)
	m, held, err := reg.Hold(bindings{"80/tcp": {{HostIP: "127.0.0.1", HostPort: strconv.Itoa(p)}}, "53/udp": {{HostPort: strconv.Itoa(p)}}}, me("web", "/s"))
	if err != nil || len(m) != 2 {
		t.Fatalf("Hold = %v, %v", m, err)
	}
	if l, err := net.Listen("tcp4", addr("127.0.0.1", p)); !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("Listen(tcp 127.0.0.1:%d) while held = %v", p, err)
		if l != nil {
			l.Close()
		}
	}
	if l, err := net.Listen("tcp", fmt.Sprintf(":%d", p)); !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("Listen(tcp :%d) while held = %v", p, err)
		if l != nil {
			l.Close()
		}
	}
	if c, err := net.ListenPacket("udp4", addr("127.0.0.1", p)); !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("ListenPacket(udp 127.0.0.1:%d) while held = %v", p, err)
		if c != nil {
			c.Close()
		}
	}
	held.Release()
	held.Release()
	l, err := net.Listen("tcp4", addr("127.0.0.1", p))
	if err != nil {
		t.Fatalf("Listen(tcp) after release = %v", err)
	}
	l.Close()
	c, err := net.ListenPacket("udp4", addr("0.0.0.0", p))
	if err != nil {
		t.Fatalf("ListenPacket(udp) after release = %v", err)
	}
	c.Close()
	if left, _ := filepath.Glob(filepath.Join(reg.dir, "*.json")); len(left) != 0 {
		t.Errorf("records left after release: %v", left)
	}
}

// TestHoldRefusesHostListener: a port a host process has bound, tcp or
// udp, is refused, naming a host process; nothing stays held.
func TestHoldRefusesHostListener(t *testing.T) {
	reg := OpenPorts(t.TempDir())
	for _, proto := range []string{"tcp", "udp"} {
		p := freePort(t)
		var c interface{ Close() error }
		var err error
		if proto == "tcp" {
			c, err = net.Listen("tcp4", addr("127.0.0.1", p))
		} else {
			c, err = net.ListenPacket("udp4", addr("127.0.0.1", p))
		}
		if err != nil {
			t.Fatal(err)
		}
		free := freePort(t)
		b := bindings{"80/" + proto: {{HostIP: "127.0.0.1", HostPort: strconv.Itoa(p)}}, "1/" + proto: {{HostIP: "127.0.0.1", HostPort: strconv.Itoa(free)}}}
		_, _, err = reg.Hold(b, me("web", "/s"))
		want := fmt.Sprintf("port 127.0.0.1:%d/%s is already used by a host process", p, proto)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Hold(%s) = %v, want %q", proto, err, want)
		}
		c.Close()
		// all or nothing: the free port bound before the failure is free again.
		if l, err := net.Listen("tcp4", addr("127.0.0.1", free)); err != nil {
			t.Errorf("%s: port %d held after a failed Hold: %v", proto, free, err)
		} else {
			l.Close()
		}
		if left, _ := filepath.Glob(filepath.Join(reg.dir, "*.json")); len(left) != 0 {
			t.Errorf("records left after a failed Hold: %v", left)
		}
	}
}

// TestHoldNamesHolder: a port another container holds is refused naming
// it, and its store when that is another; overlapping addresses count.
func TestHoldNamesHolder(t *testing.T) {
	reg := OpenPorts(t.TempDir())
	p := freePort(t)
	_, held, err := reg.Hold(one("80/tcp", "", p), me("web", "/stores/a"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	for _, c := range []struct{ ip, store, want string }{
		{"127.0.0.1", "/stores/b", fmt.Sprintf(`port 127.0.0.1:%d/tcp is already used by container "web" of store /stores/a`, p)},
		{"", "/stores/b", fmt.Sprintf(`port 0.0.0.0:%d/tcp is already used by container "web" of store /stores/a`, p)},
		{"127.0.0.1", "/stores/a", fmt.Sprintf(`port 127.0.0.1:%d/tcp is already used by container "web"`, p)},
	} {
		_, _, err := reg.Hold(one("81/tcp", c.ip, p), me("other", c.store))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || (c.store == "/stores/a" && strings.Contains(err.Error(), "of store")) {
			t.Errorf("Hold(%s:%d) from %s = %v, want %q", c.ip, p, c.store, err, c.want)
		}
	}
}

// TestHoldStaleRecordNamesNobody: the record of a holder that died names
// nobody (the kernel freed its port); Forget removes it.
func TestHoldStaleRecordNamesNobody(t *testing.T) {
	reg := OpenPorts(t.TempDir())
	p := freePort(t)
	dead := Holder{Container: "gone", ID: "gone-id", Store: "/s", Pid: os.Getpid(), Start: 1}
	_, held, err := reg.Hold(one("80/tcp", "127.0.0.1", p), dead)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range held.socks { // as a shim killed with -9: sockets gone, record kept
		s.Close()
	}
	l, err := net.Listen("tcp4", addr("127.0.0.1", p))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = reg.Hold(one("80/tcp", "127.0.0.1", p), me("web", "/s"))
	l.Close()
	if err == nil || !strings.Contains(err.Error(), "a host process") {
		t.Errorf("Hold over a stale record = %v, want a host process", err)
	}
	reg.Forget("other-id")
	if left, _ := filepath.Glob(filepath.Join(reg.dir, "*.json")); len(left) != 1 {
		t.Errorf("Forget of another container removed %v", left)
	}
	reg.Forget("gone-id")
	if left, _ := filepath.Glob(filepath.Join(reg.dir, "*.json")); len(left) != 0 {
		t.Errorf("records left after Forget: %v", left)
	}
}

// TestHoldChoosesPort: a port given as none or 0 is chosen and held.
func TestHoldChoosesPort(t *testing.T) {
	reg := OpenPorts(t.TempDir())
	m, held, err := reg.Hold(bindings{"80/tcp": {{HostIP: "127.0.0.1"}}, "81/udp": {{HostIP: "127.0.0.1", HostPort: "0"}}}, me("web", "/s"))
	if err != nil || len(m) != 2 {
		t.Fatalf("Hold = %v, %v", m, err)
	}
	defer held.Release()
	for _, pm := range m {
		if pm.HostPort == 0 {
			t.Fatalf("no port chosen: %+v", pm)
		}
		var err error
		if pm.Protocol == "tcp" {
			_, err = net.Listen("tcp4", addr("127.0.0.1", pm.HostPort))
		} else {
			_, err = net.ListenPacket("udp4", addr("127.0.0.1", pm.HostPort))
		}
		if !errors.Is(err, unix.EADDRINUSE) {
			t.Errorf("chosen %+v not held: %v", pm, err)
		}
	}
}

// TestHoldConcurrent: of containers holding one port at the same moment
// exactly one wins, and every other names it (its record is written
// before the host-wide lock lets the next one look).
func TestHoldConcurrent(t *testing.T) {
	reg := OpenPorts(t.TempDir())
	for round := 0; round < 5; round++ {
		p := freePort(t)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		helds := make([]*Held, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, helds[i], errs[i] = reg.Hold(one("80/tcp", "127.0.0.1", p), me(fmt.Sprintf("c%d", i), "/s"))
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				if won >= 0 {
					t.Fatalf("round %d: c%d and c%d both hold port %d", round, won, i, p)
				}
				won = i
			}
		}
		if won < 0 {
			t.Fatalf("round %d: nobody holds port %d: %v", round, p, errs)
		}
		for i, err := range errs {
			if want := fmt.Sprintf(`already used by container "c%d"`, won); err != nil && !strings.Contains(err.Error(), want) {
				t.Errorf("round %d: c%d: %v, want %q", round, i, err, want)
			}
		}
		helds[won].Release()
	}
}
