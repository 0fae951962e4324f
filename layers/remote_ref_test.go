package layers

import (
	"testing"

	"github.com/berthdev/berth/internal/errdefs"
)

// TestParseRemoteRef: short names resolve as docker's do; plain HTTP is
// used for loopback and for the registries listed as insecure, HTTPS for
// the rest.
func TestParseRemoteRef(t *testing.T) {
	insecure := []string{"class.example:5000"}
	for _, tc := range []struct {
		in, want, scheme string
	}{
		{"busybox", "docker.io/library/busybox:latest", "https"},
		{"me/app:v1", "docker.io/me/app:v1", "https"},
		{"localhost:5000/app", "localhost:5000/app:latest", "http"},
		{"127.0.0.1:5000/class/hello:v2", "127.0.0.1:5000/class/hello:v2", "http"},
		{"class.example:5000/app:v1", "class.example:5000/app:v1", "http"},
		{"other.example:5000/app:v1", "other.example:5000/app:v1", "https"},
	} {
		r, err := ParseRemoteRef(tc.in, insecure)
		if err != nil {
			t.Errorf("ParseRemoteRef(%q) = %v", tc.in, err)
			continue
		}
		if got, scheme := refString(r), r.Context().Scheme(); got != tc.want || scheme != tc.scheme {
			t.Errorf("ParseRemoteRef(%q) = %s over %s, want %s over %s", tc.in, got, scheme, tc.want, tc.scheme)
		}
	}
	for _, bad := range []string{"", "Bad//Name", "app:v1:v2", "app@sha256:abc"} {
		if _, err := ParseRemoteRef(bad, nil); !errdefs.Is(err, errdefs.ErrInvalid) {
			t.Errorf("ParseRemoteRef(%q) = %v, want invalid", bad, err)
		}
	}
}
