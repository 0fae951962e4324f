package network

import (
	"errors"
	"net"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestExposedKey: EXPOSE entries normalise to PORT/PROTO (tcp when none
// is given); ports outside 1..65535 and non-numbers are invalid.
func TestExposedKey(t *testing.T) {
	for in, want := range map[string]string{
		"80": "80/tcp", "53/udp": "53/udp", "1": "1/tcp", "65535/sctp": "65535/sctp", "0080": "80/tcp",
		"0": "", "65536": "", "-1": "", "http": "", "": "",
	} {
		got, err := ExposedKey(in)
		if want == "" {
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Errorf("ExposedKey(%q) = %q, %v; want ErrInvalid", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ExposedKey(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestHoldOnlyItsAddress: a port held on one address leaves the same port
// on another address to the host.
func TestHoldOnlyItsAddress(t *testing.T) {
	reg := OpenPorts(t.TempDir())
	p := freePort(t)
	_, held, err := reg.Hold(one("80/tcp", "127.0.0.1", p), me("web", "/s"))
	if err != nil {
		t.Fatalf("Hold = %v", err)
	}
	defer held.Release()
	l, err := net.Listen("tcp4", addr("127.0.0.2", p))
	if err != nil {
		t.Fatalf("Listen(127.0.0.2:%d) while 127.0.0.1:%d is held = %v; want the other address free", p, p, err)
	}
	l.Close()
}
