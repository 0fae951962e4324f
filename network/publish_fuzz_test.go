package network

import (
	"strings"
	"testing"
)

// FuzzParsePublish: any -p value parses or fails with one line, never
// panics, and a parsed one names valid container ports.
func FuzzParsePublish(f *testing.F) {
	for _, s := range []string{"80", "8080:80", "127.0.0.1:8080:80/udp", "8000-8002:80-82", "[::1]:80:80", ":80", "0:0", "65536:1", "1-0:1-0", "a:b:c:d/sctp", "80/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := map[string][]PortBinding{}
		if err := ParsePublish(s, b); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParsePublish(%q) error is not one line: %q", s, err)
			}
			return
		}
		for k := range b {
			if port, proto, ok := strings.Cut(k, "/"); !ok || port == "" || proto == "" {
				t.Fatalf("ParsePublish(%q) made key %q", s, k)
			}
		}
	})
}
