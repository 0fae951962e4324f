package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// remapStore is a bootstrapped store whose config says docker's
// userns-remap ("default": berth's own subordinate range, added to the
// temporary subuid and subgid files), so every container gets
// --userns=private with one map for the whole store.
func remapStore(t *testing.T) string {
	t.Helper()
	root := tempStore(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(root, "config.json"), `{"userns-remap": "default", "userns-subuid": "`+
		filepath.Join(dir, "subuid")+`", "userns-subgid": "`+filepath.Join(dir, "subgid")+`"}`)
	okAt(t, root, "bootstrap")
	return root
}

// bytesOf reads a size as berth prints it ("4.26MB", "0B").
func bytesOf(t *testing.T, s string) float64 {
	t.Helper()
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"kB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				t.Fatalf("size %q: %v", s, err)
			}
			return f * u.mult
		}
	}
	t.Fatalf("size %q: no unit", s)
	return 0
}

// TestUserns4RemapDefault: with the store config's userns-remap every
// container created without --userns has a private user namespace with
// the store's one map (--userns host still opts out), so without
// idmapped mounts one chowned copy of each layer serves all of them:
// three containers, one copy per layer. system df counts the copies in
// the Images row and busybox's SHARED SIZE, and they go with the last
// container.
func TestUserns4RemapDefault(t *testing.T) {
	t.Setenv("BERTH_NO_IDMAP", "1")
	root := remapStore(t)
	imagesSize := func() float64 {
		t.Helper()
		rows := strings.Split(okAt(t, root, "system", "df", "--format", "{{.Type}} {{.Size}}"), "\n")
		if f := strings.Fields(rows[0]); len(f) == 2 && f[0] == "Images" {
			return bytesOf(t, f[1])
		}
		t.Fatalf("system df rows %q", rows)
		return 0
	}
	sharedSize := func() float64 {
		t.Helper()
		for _, l := range strings.Split(okAt(t, root, "system", "df", "-v"), "\n") {
			// REPOSITORY TAG IMAGE-ID CREATED(3 words) SIZE SHARED UNIQUE CONTAINERS
			if f := strings.Fields(l); len(f) >= 8 && f[0] == "busybox" {
				return bytesOf(t, f[len(f)-3])
			}
		}
		t.Fatalf("system df -v has no busybox row")
		return 0
	}
	before, shared := imagesSize(), sharedSize()
	for _, n := range []string{"a", "b", "c"} {
		got := okAt(t, root, "run", "--name", n, "busybox", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin/busybox")
		if f := strings.Join(strings.Fields(got), " "); f != "0 131072 65536 0 131072 65536 0:0" {
			t.Errorf("container %s without --userns printed %q, want the store's map 0 131072 65536 and root's busybox", n, f)
		}
	}
	if got := okAt(t, root, "run", "--rm", "--userns", "host", "busybox", "cat", "/proc/self/uid_map"); strings.Join(strings.Fields(got), " ") != "0 0 4294967295" {
		t.Errorf("--userns host under userns-remap: uid_map %q", got)
	}
	lowers := strings.Split(okAt(t, root, "inspect", "-f", "{{.GraphDriver.Data.LowerDir}}", "a"), ":")
	copies, _ := filepath.Glob(filepath.Join(root, "idmapped", "*", "*"))
	if len(copies) != len(lowers) {
		t.Fatalf("three containers of the store's map: copies %v, want one per layer (%d)", copies, len(lowers))
	}
	after := imagesSize()
	if after <= before || sharedSize() <= shared {
		t.Errorf("system df: Images %.0f -> %.0f bytes, busybox shared %.0f -> %.0f: the copies are not counted", before, after, shared, sharedSize())
	}
	okAt(t, root, "rm", "a", "b", "c")
	if copies, _ := filepath.Glob(filepath.Join(root, "idmapped", "*", "*")); len(copies) != 0 {
		t.Errorf("copies outlived the map's last container: %v", copies)
	}
	if got := imagesSize(); got != before {
		t.Errorf("system df Images %.0f bytes once the copies are gone, want %.0f as before", got, before)
	}
	// With idmapped mounts the default is the same map, and no copy.
	t.Setenv("BERTH_NO_IDMAP", "")
	if got := okAt(t, root, "run", "--rm", "busybox", "cat", "/proc/self/uid_map"); strings.Join(strings.Fields(got), " ") != "0 131072 65536" {
		t.Errorf("idmapped, uid_map %q", got)
	}
	if copies, _ := filepath.Glob(filepath.Join(root, "idmapped", "*", "*")); len(copies) != 0 {
		t.Errorf("idmapped mounts available, yet copies were made: %v", copies)
	}
}

// TestUserns4VolumeAndExecOwnership: a named volume's first use copies the
// image's files in with container-side owners (it is mounted idmapped), so
// two containers of different maps see the same owners in it; a file an
// exec'd process creates on a bind mount belongs to the container's
// mapped root on the host (exec joins the user namespace).
func TestUserns4VolumeAndExecOwnership(t *testing.T) {
	root, _ := usernsStore(t)
	bind := t.TempDir()
	if err := os.Chmod(bind, 0o777); err != nil {
		t.Fatal(err)
	}
	okAt(t, root, "run", "-d", "--name", "a", "--userns", "private", "-v", "shared:/etc", "-v", bind+":/b", "busybox",
		"sh", "-c", "chown 7:8 /etc/group && touch /etc/ready && sleep 300")
	eventually(t, 10e9, "a chowns /etc/group in the volume", func() bool {
		return at(t, root, "", "", "exec", "a", "test", "-e", "/etc/ready").code == 0
	})
	okAt(t, root, "exec", "a", "touch", "/b/by-exec")
	if u, g := owner(t, filepath.Join(bind, "by-exec")); u != 196608 || g != 196608 {
		t.Errorf("a file exec made on a bind mount is %d:%d on the host, want the mapped root 196608:196608", u, g)
	}
	data := strings.TrimSpace(okAt(t, root, "volume", "inspect", "-f", "{{.Mountpoint}}", "shared"))
	if u, g := owner(t, filepath.Join(data, "passwd")); u != 0 || g != 0 {
		t.Errorf("volume's copy of /etc/passwd is %d:%d on disk, want the image's 0:0 (container-side)", u, g)
	}
	if u, g := owner(t, filepath.Join(data, "group")); u != 7 || g != 8 {
		t.Errorf("a file container root chowned 7:8 in the volume is %d:%d on disk, want 7:8", u, g)
	}
	// b has the next block: the volume still reads as the image made it.
	got := okAt(t, root, "run", "--rm", "--userns", "private", "-v", "shared:/etc", "busybox",
		"sh", "-c", "awk '{print $2}' /proc/self/uid_map; stat -c %u:%g /etc/passwd /etc/group")
	if f := strings.Fields(got); len(f) != 3 || f[0] == "196608" || f[1] != "0:0" || f[2] != "7:8" {
		t.Errorf("a container of another map sees the volume as\n%s\nwant its own block, 0:0 and 7:8", got)
	}
}
