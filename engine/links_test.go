package engine

import (
	"reflect"
	"testing"
)

// TestLinkVars: docker's variables for `--link db:my-db` to a container
// at 10.0.0.2 exposing 5432/tcp and 53/udp with MODE=primary.
func TestLinkVars(t *testing.T) {
	got := linkVars("web", "my-db", "10.0.0.2", map[string]struct{}{"5432/tcp": {}, "53/udp": {}},
		[]string{"PATH=/bin", "HOME=/root", "MODE=primary", "EMPTY="})
	want := []string{
		"MY_DB_PORT=udp://10.0.0.2:53",
		"MY_DB_PORT_53_UDP=udp://10.0.0.2:53", "MY_DB_PORT_53_UDP_ADDR=10.0.0.2", "MY_DB_PORT_53_UDP_PORT=53", "MY_DB_PORT_53_UDP_PROTO=udp",
		"MY_DB_PORT_5432_TCP=tcp://10.0.0.2:5432", "MY_DB_PORT_5432_TCP_ADDR=10.0.0.2", "MY_DB_PORT_5432_TCP_PORT=5432", "MY_DB_PORT_5432_TCP_PROTO=tcp",
		"MY_DB_NAME=/web/my-db",
		"MY_DB_ENV_MODE=primary", "MY_DB_ENV_EMPTY=",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("linkVars =\n%q\nwant\n%q", got, want)
	}
}

// TestWithLinkEnv: a variable the container sets itself is not shadowed
// by a link's.
func TestWithLinkEnv(t *testing.T) {
	got := withLinkEnv([]string{"DB_NAME=/a/db", "DB_ENV_X=1"}, []string{"PATH=/bin", "DB_ENV_X=mine"})
	if want := []string{"DB_NAME=/a/db", "PATH=/bin", "DB_ENV_X=mine"}; !reflect.DeepEqual(got, want) {
		t.Errorf("withLinkEnv = %q, want %q", got, want)
	}
}
