package network

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
)

type bindings = map[string][]PortBinding

func TestParsePublish(t *testing.T) {
	for spec, want := range map[string]bindings{
		"80":                {"80/tcp": {{}}},
		"8080:80":           {"80/tcp": {{HostPort: "8080"}}},
		"53:53/udp":         {"53/udp": {{HostPort: "53"}}},
		"127.0.0.1::80":     {"80/tcp": {{HostIP: "127.0.0.1"}}},
		"127.0.0.1:9000:80": {"80/tcp": {{HostIP: "127.0.0.1", HostPort: "9000"}}},
		"8000-8001:80-81":   {"80/tcp": {{HostPort: "8000"}}, "81/tcp": {{HostPort: "8001"}}},
		"80-81":             {"80/tcp": {{}}, "81/tcp": {{}}},
	} {
		got := bindings{}
		if err := ParsePublish(spec, got); err != nil {
			t.Errorf("ParsePublish(%q) = %v", spec, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("ParsePublish(%q) gave %v, want %v", spec, got, want)
		}
	}
	for _, spec := range []string{"", "a:b:c:d", "x:80:80", "8000-8002:80-81", "80-79", "80/icmp", "1.2.3:80:80"} {
		if err := ParsePublish(spec, bindings{}); !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "invalid port specification") {
			t.Errorf("ParsePublish(%q) = %v, want an invalid port specification", spec, err)
		}
	}
}

// TestParsePublishPortBounds: ports are 1-65535; a host port of 0 means
// "chosen at start" (as docker's), a container port of 0 nothing.
func TestParsePublishPortBounds(t *testing.T) {
	for spec, want := range map[string]bindings{
		"65535:65535":     {"65535/tcp": {{HostPort: "65535"}}},
		"1:1":             {"1/tcp": {{HostPort: "1"}}},
		"0:80":            {"80/tcp": {{}}},
		"65534-65535:1-2": {"1/tcp": {{HostPort: "65534"}}, "2/tcp": {{HostPort: "65535"}}},
		"0:80-81":         {"80/tcp": {{}}, "81/tcp": {{}}},
		"8080-8080:80-80": {"80/tcp": {{HostPort: "8080"}}}, // a range of one port, as docker takes it
	} {
		got := bindings{}
		if err := ParsePublish(spec, got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParsePublish(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
	for spec, why := range map[string]string{
		"65536:80":        "host port",
		"80:65536":        "container port",
		"65536":           "container port",
		"0":               "container port",
		"8080:0":          "container port",
		"0-1:80-81":       "cannot start at 0",
		"65535-65536:1-2": "host port",
		"1-2:65535-65536": "container port",
		"-1:80":           "host port",
	} {
		err := ParsePublish(spec, bindings{})
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), why) {
			t.Errorf("ParsePublish(%q) = %v, want an error about the %s", spec, err, why)
		}
	}
}

// TestParsePublishRefusesHostPortTwice: one host port cannot be published
// twice in one run, on the same address or on every address; another
// protocol or address is another socket.
func TestParsePublishRefusesHostPortTwice(t *testing.T) {
	for _, c := range []struct {
		specs []string
		twice bool
	}{
		{[]string{"8080:80", "8080:81"}, true},
		{[]string{"8080:80", "8080:80"}, true},
		{[]string{"127.0.0.1:8080:80", "8080:81"}, true},
		{[]string{"8080:80", "127.0.0.1:8080:81"}, true},
		{[]string{"0.0.0.0:8080:80", "127.0.0.1:8080:81"}, true},
		{[]string{"8079-8081:79-81", "8081:90"}, true},
		{[]string{"8080-8081:80"}, false}, // differing lengths: refused for that
		{[]string{"53:53/udp", "53:53/udp"}, true},
		{[]string{"8080:80", "8080:80/udp"}, false},
		{[]string{"127.0.0.1:8080:80", "127.0.0.2:8080:81"}, false},
		{[]string{"80", "80"}, false}, // chosen ports are distinct
		{[]string{"0:80", "0:81"}, false},
	} {
		b := bindings{}
		var err error
		for _, s := range c.specs {
			if err = ParsePublish(s, b); err != nil {
				break
			}
		}
		if got := err != nil && strings.Contains(err.Error(), "published twice"); got != c.twice {
			t.Errorf("ParsePublish(%q) = %v, want published twice: %v", c.specs, err, c.twice)
		}
	}
}

// TestParsePublishRefusesIPv6Host: a bracketed IPv6 host address is read
// as one and refused for what it is (containers have IPv4 addresses only,
// so the portmap plugin could not forward it), not as a colon count.
func TestParsePublishRefusesIPv6Host(t *testing.T) {
	for spec, want := range map[string]string{
		"[::1]:8080:80":    "host address ::1 is IPv6",
		"[::]:8080:80":     "host address :: is IPv6",
		"[fd00::2]::80":    "host address fd00::2 is IPv6",
		"[127.0.0.1]:80:1": "must be IPv6",
		"::1:8080:80":      "too many colons",
	} {
		err := ParsePublish(spec, bindings{})
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePublish(%q) = %v, want %q", spec, err, want)
		}
	}
}

// TestValidateBindings: bindings from the API (compose, the TUI) meet the
// rules ParsePublish applies to -p.
func TestValidateBindings(t *testing.T) {
	good := bindings{"80/tcp": {{HostPort: "8080"}, {HostIP: "127.0.0.1", HostPort: "8081"}}, "53/udp": {{HostPort: "8080"}}, "65535/sctp": {{}}, "1/tcp": {{HostPort: "0"}}}
	if err := ValidateBindings(good); err != nil {
		t.Errorf("ValidateBindings(%v) = %v", good, err)
	}
	for want, b := range map[string]bindings{
		"published port \"80\"":        {"80": {{}}},
		"published port \"0/tcp\"":     {"0/tcp": {{}}},
		"published port \"65536/tcp\"": {"65536/tcp": {{}}},
		"published port \"80/icmp\"":   {"80/icmp": {{}}},
		"host address \"::1\"":         {"80/tcp": {{HostIP: "::1"}}},
		"host address \"localhost\"":   {"80/tcp": {{HostIP: "localhost"}}},
		"host port \"65536\"":          {"80/tcp": {{HostPort: "65536"}}},
		"host port \"-1\"":             {"80/tcp": {{HostPort: "-1"}}},
		"host port \"http\"":           {"80/tcp": {{HostPort: "http"}}},
		"published twice":              {"80/tcp": {{HostPort: "8080"}}, "81/tcp": {{HostIP: "127.0.0.1", HostPort: "8080"}}},
	} {
		if err := ValidateBindings(b); !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateBindings(%v) = %v, want %s", b, err, want)
		}
	}
}

// FuzzParsePublish: whatever -p is given, ParsePublish fails cleanly or
// yields bindings that ValidateBindings accepts (ports in range, IPv4
// addresses, no host port twice), and a failure adds nothing.
func FuzzParsePublish(f *testing.F) {
	for _, s := range []string{"80", "8080:80", "127.0.0.1:9000:80/udp", "8000-8002:80-82", "0:80", "[::1]:8080:80",
		"65535:65535/sctp", "65536:80", "1-2:3-4/tcp", "::80", "127.0.0.1::80", "a:b", "80-", "-80", "[]:1:1", "1:1/"} {
		f.Add(s, "8080:80")
	}
	f.Fuzz(func(t *testing.T, spec, before string) {
		b := bindings{}
		if ParsePublish(before, b) != nil {
			return
		}
		had := bindings{}
		for k, v := range b {
			had[k] = append([]PortBinding(nil), v...)
		}
		err := ParsePublish(spec, b)
		if err != nil {
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Fatalf("ParsePublish(%q) = %v, not ErrInvalid", spec, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParsePublish(%q) error is not one line: %q", spec, err)
			}
			if !reflect.DeepEqual(b, had) {
				t.Fatalf("ParsePublish(%q) failed and left %v", spec, b)
			}
			return
		}
		if err := ValidateBindings(b); err != nil {
			t.Fatalf("ParsePublish(%q) after %q gave %v: %v", spec, before, b, err)
		}
	})
}
