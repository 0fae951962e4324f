package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUserns3NoIDMap: where idmapped mounts are unavailable (forced with
// BERTH_NO_IDMAP=1) a --userns=private container runs on a copy of its
// image's layers chowned once for its maps, said in one line at create:
// inside, the image's files are root's and root can write them; outside,
// the copy holds the mapped IDs and the shared snapshot is untouched. The
// copy is made once (a restart reuses it), shared by a container with the
// same maps, and goes with the last of them.
func TestUserns3NoIDMap(t *testing.T) {
	t.Setenv("BERTH_NO_IDMAP", "1")
	root, _ := usernsStore(t)
	bind := t.TempDir()
	if err := os.Chmod(bind, 0o777); err != nil {
		t.Fatal(err)
	}
	r := at(t, root, "", "", "run", "-d", "--name", "a", "--userns", "private", "-v", bind+":/data", "busybox",
		"sh", "-c", "touch /data/f && echo hi > /etc/motd && sleep 300")
	if r.code != 0 {
		t.Fatalf("run: %v", r)
	}
	warn := strings.TrimSpace(r.stderr)
	if !strings.Contains(warn, "no idmapped mounts (BERTH_NO_IDMAP=1)") || !strings.Contains(warn, "copy chowned for its ID map") || strings.Contains(warn, "\n") {
		t.Errorf("run's stderr %q: want one line saying the layers are a chowned copy", warn)
	}
	eventually(t, 10e9, "the container writes its files", func() bool {
		_, err := os.Stat(filepath.Join(bind, "f"))
		return err == nil
	})
	if got := okAt(t, root, "exec", "a", "sh", "-c", "id -u; stat -c '%u:%g %A' / /bin/busybox /etc/passwd /tmp; cat /etc/motd"); got != "0\n0:0 drwxr-xr-x\n0:0 -rwxr-xr-x\n0:0 -rw-r--r--\n0:0 drwxrwxrwt\nhi" {
		t.Errorf("inside the container:\n%s\nwant root's image files as in the image, and root able to write /etc", got)
	}
	if u, g := owner(t, filepath.Join(bind, "f")); u != 196608 || g != 196608 {
		t.Errorf("file made by container root on a bind mount is %d:%d on the host, want 196608:196608", u, g)
	}
	// The record keeps the shared snapshots; the copy is beside them.
	lower := strings.Split(okAt(t, root, "inspect", "-f", "{{.GraphDriver.Data.LowerDir}}", "a"), ":")
	copies := func() []string {
		t.Helper()
		keys, _ := filepath.Glob(filepath.Join(root, "idmapped", "*"))
		return keys
	}
	keys := copies()
	if len(keys) != 1 {
		t.Fatalf("idmapped/ holds %v, want one map's copies", keys)
	}
	for _, l := range lower {
		if u, g := owner(t, filepath.Join(l, "bin", "busybox")); u != 0 || g != 0 {
			t.Errorf("snapshot %s/bin/busybox is %d:%d: the shared layer was chowned", l, u, g)
		}
		c := filepath.Join(keys[0], filepath.Base(l))
		if u, g := owner(t, filepath.Join(c, "bin", "busybox")); u != 196608 || g != 196608 {
			t.Errorf("copy %s/bin/busybox is %d:%d on the host, want 196608:196608", c, u, g)
		}
	}
	ino := func() uint64 {
		t.Helper()
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(keys[0], filepath.Base(lower[0])), &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}
	before := ino()
	okAt(t, root, "restart", "-t", "0", "a")
	if ino() != before {
		t.Errorf("a restart copied the layer again")
	}
	// A container in a's user namespace has its maps: it shares the copy.
	if got := okAt(t, root, "run", "--rm", "--userns", "container:a", "busybox", "stat", "-c", "%u:%g", "/bin/busybox"); got != "0:0" {
		t.Errorf("a container sharing a's maps sees /bin/busybox as %s", got)
	}
	if got := copies(); len(got) != 1 || ino() != before {
		t.Errorf("a container with the same maps made its own copy: %v", got)
	}
	okAt(t, root, "rm", "-f", "a")
	if got := copies(); len(got) != 0 {
		t.Errorf("the copies outlived the last container of their maps: %v", got)
	}
}
