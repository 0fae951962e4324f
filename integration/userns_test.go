package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// usernsStore is a bootstrapped store of the test's own whose subuid and
// subgid files are in a temporary directory (missing: berth adds its
// entry), so the host's /etc/subuid is never touched.
func usernsStore(t *testing.T) (root, subuid string) {
	t.Helper()
	root = tempStore(t)
	dir := t.TempDir()
	subuid = filepath.Join(dir, "subuid")
	writeFile(t, filepath.Join(root, "config.json"),
		`{"userns-subuid": "`+subuid+`", "userns-subgid": "`+filepath.Join(dir, "subgid")+`"}`)
	okAt(t, root, "bootstrap")
	return root, subuid
}

func failsAt(t *testing.T, root string, msg string, args ...string) {
	t.Helper()
	r := at(t, root, "", "", args...)
	if r.code == 0 {
		t.Fatalf("berth %s: accepted: %v", strings.Join(args, " "), r)
	}
	if !strings.Contains(r.stderr, msg) {
		t.Errorf("berth %s: stderr %q lacks %q", strings.Join(args, " "), r.stderr, msg)
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
		t.Errorf("berth %s: error is %d lines, want one: %q", strings.Join(args, " "), n+1, r.stderr)
	}
}

func owner(t *testing.T, path string) (uint32, uint32) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Uid, st.Gid
}

// TestUserns2Private: root of a --userns=private container is not the
// host's root. Berth adds its subordinate range, each container gets its
// own block, a file it creates on a bind mount belongs to the mapped ID on
// the host, exec joins the namespace and inspect shows the maps.
func TestUserns2Private(t *testing.T) {
	root, subuid := usernsStore(t)
	bind := t.TempDir()
	if err := os.Chmod(bind, 0o777); err != nil {
		t.Fatal(err)
	}
	okAt(t, root, "run", "-d", "--name", "a", "--userns", "private", "-v", bind+":/data", "busybox",
		"sh", "-c", "touch /data/f && mkdir /data/d && chown 7:8 /data/d && touch /ready && sleep 300")
	got := okAt(t, root, "exec", "a", "sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/gid_map")
	if f := strings.Fields(got); len(f) != 7 || f[0] != "0" || f[1] != "0" || f[2] != "196608" || f[3] != "65536" ||
		f[4] != "0" || f[5] != "196608" || f[6] != "65536" {
		t.Fatalf("exec sees uid and maps\n%s\nwant root in 0 196608 65536 (berth's range past its first block, the store's)", got)
	}
	if data, err := os.ReadFile(subuid); err != nil || string(data) != "berth:131072:67108864\n" {
		t.Fatalf("subuid after the first private container: %q, %v", data, err)
	}
	// exec's process is in the container's user namespace, not the host's.
	pid := okAt(t, root, "inspect", "-f", "{{.State.Pid}}", "a")
	ns, err := os.Readlink("/proc/" + pid + "/ns/user")
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Readlink("/proc/self/ns/user")
	if ns == host {
		t.Fatalf("container init is in the host's user namespace %s", ns)
	}
	if got := okAt(t, root, "exec", "a", "readlink", "/proc/self/ns/user"); got != ns {
		t.Errorf("exec's user namespace %s, want the container's %s", got, ns)
	}
	eventually(t, 10e9, "the container writes its files", func() bool {
		_, err := os.Stat(filepath.Join(bind, "d"))
		return err == nil
	})
	if u, g := owner(t, filepath.Join(bind, "f")); u != 196608 || g != 196608 {
		t.Errorf("file made by container root on a bind mount is %d:%d on the host, want 196608:196608", u, g)
	}
	if u, g := owner(t, filepath.Join(bind, "d")); u != 196615 || g != 196616 {
		t.Errorf("chown 7:8 in the container is %d:%d on the host, want 196615:196616", u, g)
	}
	if got := okAt(t, root, "inspect", "--namespaces", "a"); !strings.Contains(got, "uid 0:196608:65536 gid 0:196608:65536") {
		t.Errorf("inspect --namespaces lacks the maps:\n%s", got)
	}
	if got := okAt(t, root, "inspect", "-f", "{{.HostConfig.IDMappings.UidMap}}", "a"); got != "[0:196608:65536]" {
		t.Errorf("inspect IDMappings.UidMap = %q", got)
	}
	// A second container gets the next block, not the first one's.
	if got := okAt(t, root, "run", "--rm", "--userns", "private", "busybox", "cat", "/proc/self/uid_map"); strings.Join(strings.Fields(got), " ") != "0 262144 65536" {
		t.Errorf("second private container's uid_map %q, want 0 262144 65536", got)
	}
	// The layers are shared, not copied or chowned for the mapping: a
	// container without a user namespace has the same lower directories,
	// the store holds no other snapshot, and its files are still root's.
	okAt(t, root, "create", "--name", "plain", "busybox", "true")
	lower := okAt(t, root, "inspect", "-f", "{{.GraphDriver.Data.LowerDir}}", "a")
	if plain := okAt(t, root, "inspect", "-f", "{{.GraphDriver.Data.LowerDir}}", "plain"); lower != plain || lower == "" {
		t.Errorf("userns container's lowers %q, plain container's %q: want the same snapshot", lower, plain)
	}
	snaps, err := os.ReadDir(filepath.Join(root, "snapshots"))
	if err != nil || len(snaps) != len(strings.Split(lower, ":")) {
		t.Errorf("snapshots %v (%v) for lowers %q: a copy was made", snaps, err, lower)
	}
	for _, l := range strings.Split(lower, ":") {
		if u, g := owner(t, filepath.Join(l, "bin")); u != 0 || g != 0 {
			t.Errorf("%s/bin is %d:%d on disk after a userns container ran: the layer was chowned", l, u, g)
		}
	}
	// Without a user namespace a container is still the host's root.
	if got := okAt(t, root, "run", "--rm", "busybox", "cat", "/proc/self/uid_map"); strings.Join(strings.Fields(got), " ") != "0 0 4294967295" {
		t.Errorf("default container's uid_map %q", got)
	}
}

// TestUserns2Commit: the layer of a userns container is host-neutral: diff
// lists its changes, and an image committed from it runs identically
// without a user namespace (root's files owned by 0, chowned ones by the
// container IDs, not the host's).
func TestUserns2Commit(t *testing.T) {
	root, _ := usernsStore(t)
	okAt(t, root, "run", "--name", "c", "--userns", "private", "busybox", "sh", "-c",
		"echo hi > /etc/motd && mkdir -p /srv/d && chown 5:6 /srv/d && rm /bin/vi")
	if got, want := okAt(t, root, "diff", "c"), "C /bin\nD /bin/vi\nC /etc\nA /etc/motd\nA /srv\nA /srv/d"; got != want {
		t.Errorf("diff =\n%s\nwant\n%s", got, want)
	}
	okAt(t, root, "commit", "c", "neutral:v1")
	want := "0:0 hi\n5:6\nvi gone"
	run := func(args ...string) string {
		return okAt(t, root, append(append([]string{"run", "--rm"}, args...), "neutral:v1", "sh", "-c",
			"echo $(stat -c %u:%g /etc/motd) $(cat /etc/motd); stat -c %u:%g /srv/d; test -e /bin/vi || echo vi gone")...)
	}
	if got := run(); got != want {
		t.Errorf("committed image without userns:\n%s\nwant\n%s", got, want)
	}
	if got := run("--userns", "private"); got != want {
		t.Errorf("committed image with userns:\n%s\nwant\n%s", got, want)
	}
}

// TestUserns2Maps: explicit --uidmap/--gidmap are used as given when they
// lie in berth's range; bad ones are refused in one line each and leave
// no container behind.
func TestUserns2Maps(t *testing.T) {
	root, _ := usernsStore(t)
	// The first private container makes berth's entry.
	okAt(t, root, "run", "--rm", "--userns", "private", "busybox", "true")
	got := okAt(t, root, "run", "--rm", "--uidmap", "0:300000:1000", "--uidmap", "1000:400000:1",
		"--gidmap", "0:300000:2000", "busybox", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map")
	if f := strings.Join(strings.Fields(got), " "); f != "0 300000 1000 1000 400000 1 0 300000 2000" {
		t.Errorf("explicit maps give %q", f)
	}
	bad := []struct {
		msg  string
		args []string
	}{
		{"want CONTAINER:HOST:SIZE", []string{"--uidmap", "0:300000", "--gidmap", "0:300000:10"}},
		{"is not an ID", []string{"--uidmap", "0:x:10", "--gidmap", "0:300000:10"}},
		{"size 0", []string{"--uidmap", "0:300000:0", "--gidmap", "0:300000:10"}},
		{"overlap on the host", []string{"--uidmap", "0:300000:10,10:300005:10", "--gidmap", "0:300000:10"}},
		{"overlap inside the container", []string{"--uidmap", "0:300000:10,5:400000:10", "--gidmap", "0:300000:10"}},
		{"the host's root", []string{"--uidmap", "0:0:1", "--gidmap", "0:300000:10"}},
		{"outside what", []string{"--uidmap", "0:10:100", "--gidmap", "0:300000:10"}},
		{"outside what", []string{"--uidmap", "0:300000:10", "--gidmap", "0:67239900:1000"}},
		{"runs past ID", []string{"--uidmap", "0:4294967290:10", "--gidmap", "0:300000:10"}},
		{"conflicting options", []string{"--userns", "host", "--uidmap", "0:300000:10", "--gidmap", "0:300000:10"}},
		{"conflicting options", []string{"--userns", "private", "--privileged"}},
		{"use host, private, keep-id", []string{"--userns", "bogus"}},
		{"keep-id", []string{"--userns", "keep-id"}},
	}
	for _, b := range bad {
		failsAt(t, root, b.msg, append(append([]string{"create", "--name", "bad"}, b.args...), "busybox", "true")...)
	}
	if got := okAt(t, root, "ps", "-aq"); got != "" {
		t.Errorf("refused creates left containers: %q", got)
	}
}

// TestUserns2CopyOwnership: cp and a volume's copy-up give a userns
// container the owners it would see without one: cp's root is container
// root, -a keeps container-side IDs both ways, an ID the container cannot
// hold is refused, and the image's files copied into a volume stay
// root's inside.
func TestUserns2CopyOwnership(t *testing.T) {
	root, _ := usernsStore(t)
	okAt(t, root, "run", "-d", "--name", "c", "--userns", "private", "-v", "vol:/etc", "busybox",
		"sh", "-c", "echo x > /out && chown 5:6 /out && touch /ready && sleep 300")
	eventually(t, 10e9, "the container writes /ready", func() bool {
		return at(t, root, "", "", "exec", "c", "test", "-e", "/ready").code == 0
	})
	if got := okAt(t, root, "exec", "c", "stat", "-c", "%u:%g", "/etc/passwd", "/etc"); got != "0:0\n0:0" {
		t.Errorf("volume copy-up: container sees /etc/passwd and /etc as\n%s\nwant 0:0 (root's)", got)
	}
	host := t.TempDir()
	in := filepath.Join(host, "in")
	writeFile(t, in, "in\n")
	if err := os.Chown(in, 7, 8); err != nil {
		t.Fatal(err)
	}
	okAt(t, root, "cp", in, "c:/plain")
	okAt(t, root, "cp", "-a", in, "c:/archived")
	if got := okAt(t, root, "exec", "c", "stat", "-c", "%u:%g", "/plain", "/archived"); got != "0:0\n7:8" {
		t.Errorf("cp in: container sees\n%s\nwant 0:0 (cp's root) and 7:8 (-a)", got)
	}
	okAt(t, root, "cp", "-a", "c:/out", filepath.Join(host, "out"))
	if u, g := owner(t, filepath.Join(host, "out")); u != 5 || g != 6 {
		t.Errorf("cp -a out: %d:%d on the host, want the container's 5:6", u, g)
	}
	if err := os.Chown(in, 70000, 8); err != nil {
		t.Fatal(err)
	}
	failsAt(t, root, "not mapped in the container's user namespace", "cp", "-a", in, "c:/unmapped")
}

// TestUserns2Debug: the debug sidecar of a userns container joins its user
// namespace, so its root is no more the host's than the target's.
func TestUserns2Debug(t *testing.T) {
	root, _ := usernsStore(t)
	okAt(t, root, "run", "-d", "--name", "d", "--userns", "private", "busybox", "sleep", "300")
	pid := okAt(t, root, "inspect", "-f", "{{.State.Pid}}", "d")
	ns, err := os.Readlink("/proc/" + pid + "/ns/user")
	if err != nil {
		t.Fatal(err)
	}
	r := at(t, root, "", "readlink /proc/self/ns/user; cat /proc/self/uid_map; exit\n", "debug", "d")
	if r.code != 0 {
		t.Fatalf("debug: %v", r)
	}
	if !strings.Contains(r.stdout, ns) || !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), "0 196608 65536") {
		t.Errorf("debug sidecar printed %q, want the target's user namespace %s and map 0 196608 65536", r.stdout, ns)
	}
}
