package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/idmap"
)

func TestOuterRoot(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		m    string
		want int
	}{
		{"         0       1001          1\n         1     100000      65536\n", 1001},
		{"         0          0 4294967295\n", 0},
		{"         1     100000      65536\n", -1},
	} {
		f := filepath.Join(dir, "uid_map")
		os.WriteFile(f, []byte(c.m), 0o644)
		if got := outerRoot(f); got != c.want {
			t.Errorf("outerRoot(%q) = %d, want %d", c.m, got, c.want)
		}
	}
}

func TestPastaPortArgs(t *testing.T) {
	got := pastaPortArgs([]PortMapping{
		{HostPort: 8080, ContainerPort: 80, Protocol: "tcp", HostIP: "127.0.0.1"},
		{HostPort: 5353, ContainerPort: 53, Protocol: "udp"},
		{HostPort: 9000, ContainerPort: 9000, Protocol: "tcp", HostIP: "0.0.0.0"},
	})
	want := []string{"-t", "127.0.0.1/8080:80", "-t", "9000:9000", "-u", "5353:53"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pastaPortArgs = %q, want %q", got, want)
	}
	// Nothing published: nothing forwarded (pasta's default would be "auto").
	if got := pastaPortArgs(nil); !reflect.DeepEqual(got, []string{"-t", "none", "-u", "none"}) {
		t.Errorf("pastaPortArgs(nil) = %q", got)
	}
}

func TestOwnersOK(t *testing.T) {
	o := owners{self: 1001, ancestors: []uint32{0}}
	for _, c := range []struct {
		uid        uint32
		last, want bool
	}{{1001, true, true}, {1001, false, true}, {0, false, true}, {0, true, false}, {1002, false, false}, {65534, false, false}} {
		if got := o.ok(c.uid, c.last); got != c.want {
			t.Errorf("owners{1001, [0]}.ok(%d, last %v) = %v", c.uid, c.last, got)
		}
	}
}

func TestSubIDsMissing(t *testing.T) {
	dir := t.TempDir()
	files := idmap.Files{UID: filepath.Join(dir, "subuid"), GID: filepath.Join(dir, "subgid")}
	os.WriteFile(files.UID, []byte("alice:100000:65536\n"), 0o644)
	os.WriteFile(files.GID, []byte("alice:100000:65536\nbob:200000:65536\n"), 0o644)
	if u, g, err := subIDs(files, "alice", 1001); err != nil || u.Start != 100000 || g.Size != 65536 {
		t.Errorf("subIDs(alice) = %v %v %v", u, g, err)
	}
	_, _, err := subIDs(files, "bob", 1002)
	if err == nil || !strings.Contains(err.Error(), "user bob has no range in "+files.UID) {
		t.Errorf("subIDs(bob) = %v", err)
	}
}
