package integration

import (
	"archive/tar"
	"bytes"
	"fmt"
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
	// It is not warned again: the copy it uses is made already.
	if r := at(t, root, "", "", "run", "--rm", "--userns", "container:a", "busybox", "stat", "-c", "%u:%g", "/bin/busybox"); r.code != 0 || strings.TrimSpace(r.stdout) != "0:0" {
		t.Errorf("a container sharing a's maps: %v, want /bin/busybox as 0:0", r)
	} else if r.stderr != "" {
		t.Errorf("a container sharing a's maps, whose copy is made, was warned: %q", r.stderr)
	}
	if got := copies(); len(got) != 1 || ino() != before {
		t.Errorf("a container with the same maps made its own copy: %v", got)
	}
	okAt(t, root, "rm", "-f", "a")
	if got := copies(); len(got) != 0 {
		t.Errorf("the copies outlived the last container of their maps: %v", got)
	}
}

// TestUserns3EscapeSuite: the escape suite's calls stay blocked when every
// container it starts has its own user namespace (run, exec, a container
// in the target's pid and user namespaces, the debug sidecar).
func TestUserns3EscapeSuite(t *testing.T) {
	root, _ := usernsStore(t)
	escapeSuite(t, func(stdin string, args ...string) result { return at(t, root, "", stdin, args...) }, []string{"--userns", "private"})
}

// TestUserns3RootConfined: what root in a --userns=private container cannot
// do to the host's files bind-mounted read-write, which root without a
// user namespace can: write, chmod, chown or delete root's files, read a
// root-only one; what it creates belongs to its mapped ID on the host, and
// the host's root shows as the overflow ID (nobody). A pid namespace of
// another user namespace is refused in one line.
func TestUserns3RootConfined(t *testing.T) {
	root, _ := usernsStore(t)
	script := `cd /h; stat -c %u:%g root-file
echo x >> root-file 2>/dev/null && echo wrote || echo no-write
cat secret 2>/dev/null && echo read || echo no-read
chmod 666 root-file 2>/dev/null && echo chmod || echo no-chmod
chown 0:0 open/mine 2>/dev/null; chown 1:1 root-file 2>/dev/null && echo chown || echo no-chown
rm -f ro/keep 2>/dev/null; test -e ro/keep && echo no-rm || echo rm
touch open/new && echo created; stat -c %A /`
	fresh := func() string {
		h := t.TempDir()
		writeFile(t, filepath.Join(h, "root-file"), "root\n")
		writeFile(t, filepath.Join(h, "secret"), "secret\n")
		if err := os.Chmod(filepath.Join(h, "secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		for d, mode := range map[string]os.FileMode{"ro": 0o755, "open": 0o777} {
			if err := os.Mkdir(filepath.Join(h, d), mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(h, d), mode); err != nil {
				t.Fatal(err)
			}
		}
		writeFile(t, filepath.Join(h, "ro", "keep"), "")
		writeFile(t, filepath.Join(h, "open", "mine"), "")
		return h
	}
	h := fresh()
	got := okAt(t, root, "run", "--rm", "--userns", "private", "-v", h+":/h", "busybox", "sh", "-c", script)
	if want := "65534:65534\nno-write\nno-read\nno-chmod\nno-chown\nno-rm\ncreated\ndrwxr-xr-x"; got != want {
		t.Errorf("root in a private user namespace:\n%s\nwant\n%s", got, want)
	}
	if data, _ := os.ReadFile(filepath.Join(h, "root-file")); string(data) != "root\n" {
		t.Errorf("root-file became %q", data)
	}
	if u, g := owner(t, filepath.Join(h, "open", "new")); u != 196608 || g != 196608 {
		t.Errorf("a file container root created is %d:%d on the host, want 196608:196608", u, g)
	}
	if u, _ := owner(t, filepath.Join(h, "open", "mine")); u != 0 {
		t.Errorf("container root gave the host's root-owned file to %d", u)
	}
	// The same script as the host's root: everything goes through, so the
	// refusals above are the user namespace's doing.
	h = fresh()
	got = okAt(t, root, "run", "--rm", "--userns", "host", "-v", h+":/h", "busybox", "sh", "-c", script)
	if want := "0:0\nwrote\nsecret\nread\nchmod\nchown\nrm\ncreated\ndrwxr-xr-x"; got != want {
		t.Errorf("root without a user namespace:\n%s\nwant\n%s", got, want)
	}
	okAt(t, root, "run", "-d", "--name", "p", "--userns", "private", "busybox", "sleep", "300")
	failsAt(t, root, "add --userns container:", "run", "--rm", "--userns", "private", "--pid", "container:p", "busybox", "true")
}

// TestUserns3CopyStreams: cp's tar streams give a --userns=private
// container the owners it would see without one, running or stopped:
// `cp C:SRC -` writes container-side owners (not the host IDs its layer
// holds), `cp - C:DIR` writes an entry's owner through the maps (the
// container sees it as in the archive, the host as the mapped ID), and an
// owner the container cannot hold is refused in one line.
func TestUserns3CopyStreams(t *testing.T) {
	root, _ := usernsStore(t)
	okAt(t, root, "run", "-d", "--name", "c", "--userns", "private", "busybox", "sh", "-c",
		"mkdir -p /d && echo a > /d/a && chown 7:8 /d/a && touch /ready && sleep 300")
	eventually(t, 10e9, "the container writes /ready", func() bool {
		return at(t, root, "", "", "exec", "c", "test", "-e", "/ready").code == 0
	})
	upper := filepath.Join(root, "containers", okAt(t, root, "inspect", "-f", "{{.Id}}", "c"), "upper")
	stream := func(uid, gid int) string {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		tw.WriteHeader(&tar.Header{Name: "x/", Typeflag: tar.TypeDir, Mode: 0o755, Uid: uid, Gid: gid})
		tw.WriteHeader(&tar.Header{Name: "x/y", Typeflag: tar.TypeReg, Mode: 0o640, Size: 3, Uid: uid, Gid: gid})
		tw.Write([]byte("in\n"))
		tw.Close()
		return b.String()
	}
	owners := func(s string) map[string]string {
		got := map[string]string{}
		tr := tar.NewReader(strings.NewReader(s))
		for {
			h, err := tr.Next()
			if err != nil {
				return got
			}
			got[h.Name] = fmt.Sprintf("%d:%d", h.Uid, h.Gid)
		}
	}
	for _, state := range []string{"running", "stopped"} {
		if got := owners(okAt(t, root, "cp", "c:/d", "-")); got["d/"] != "0:0" || got["d/a"] != "7:8" {
			t.Errorf("%s: cp c:/d - gives owners %v, want d/ 0:0 and d/a 7:8 (the container's)", state, got)
		}
		dir := "/in-" + state
		okAt(t, root, "exec", "c", "mkdir", dir)
		if state == "stopped" {
			okAt(t, root, "stop", "-t", "0", "c")
		}
		if r := at(t, root, "", stream(5, 6), "cp", "-", "c:"+dir); r.code != 0 {
			t.Fatalf("%s: cp - c:%s: %v", state, dir, r)
		}
		if u, g := owner(t, filepath.Join(upper, dir, "x", "y")); u != 196613 || g != 196614 {
			t.Errorf("%s: an entry owned 5:6 extracted as %d:%d on the host, want 196613:196614", state, u, g)
		}
		r := at(t, root, "", stream(70000, 6), "cp", "-", "c:"+dir)
		if msg := strings.TrimSpace(r.stderr); r.code == 0 || !strings.Contains(msg, "owner 70000:6 is not mapped in the container's user namespace") || strings.Contains(msg, "\n") {
			t.Errorf("%s: cp - of an entry owned 70000: %v; want one line refusing it", state, r)
		}
	}
	okAt(t, root, "start", "c")
	if got := okAt(t, root, "exec", "c", "stat", "-c", "%u:%g %n", "/in-running/x/y", "/in-stopped/x/y"); got != "5:6 /in-running/x/y\n5:6 /in-stopped/x/y" {
		t.Errorf("the container sees the extracted files as\n%s\nwant 5:6, the archive's", got)
	}
}

// TestUserns3KeepID: --userns=keep-id runs as the calling user (the one
// sudo ran berth for) with that ID kept: inside it is that user, a file it
// makes on a bind mount is the user's own on the host, and container root
// is still a mapped ID, not the host's root.
func TestUserns3KeepID(t *testing.T) {
	root, _ := usernsStore(t)
	t.Setenv("SUDO_UID", "1000")
	t.Setenv("SUDO_GID", "1001")
	h := t.TempDir()
	if err := os.Chown(h, 1000, 1001); err != nil {
		t.Fatal(err)
	}
	got := okAt(t, root, "run", "--rm", "--userns", "keep-id", "-v", h+":/h", "busybox", "sh", "-c",
		"id -u; id -g; touch /h/mine; cat /proc/self/uid_map; touch /etc/x 2>/dev/null || echo no-etc")
	f := strings.Fields(got)
	if len(f) != 12 || f[0] != "1000" || f[1] != "1001" || f[11] != "no-etc" {
		t.Fatalf("keep-id container printed\n%s\nwant uid 1000, gid 1001, its map, and no write to root's /etc", got)
	}
	if m := strings.Join(f[2:11], " "); m != "0 196608 1000 1000 1000 1 1001 197608 64535" {
		t.Errorf("keep-id uid_map %q: want 0-999 and 1001- in berth's block, 1000 kept", m)
	}
	if u, g := owner(t, filepath.Join(h, "mine")); u != 1000 || g != 1001 {
		t.Errorf("a file the keep-id user made is %d:%d on the host, want the caller's 1000:1001", u, g)
	}
}

// TestUserns3ExportAndStoppedCp: export and cp of a --userns=private
// container give container-side owners whether it runs or not, with
// idmapped layers or their chowned copies: image files root's, a file
// chowned 7:8 inside 7:8 (before: a stopped container's image files read
// 65534, and export wrote host IDs for its own files).
func TestUserns3ExportAndStoppedCp(t *testing.T) {
	root, _ := usernsStore(t)
	okAt(t, root, "run", "-d", "--name", "c", "--userns", "private", "busybox", "sh", "-c",
		"mkdir -p /d && echo a > /d/a && chown 7:8 /d/a && touch /ready && sleep 300")
	eventually(t, 10e9, "the container writes /ready", func() bool {
		return at(t, root, "", "", "exec", "c", "test", "-e", "/ready").code == 0
	})
	owners := func(s string) map[string]string {
		got := map[string]string{}
		tr := tar.NewReader(strings.NewReader(s))
		for {
			h, err := tr.Next()
			if err != nil {
				return got
			}
			got[strings.TrimPrefix(h.Name, "./")] = fmt.Sprintf("%d:%d", h.Uid, h.Gid)
		}
	}
	check := func(how string) {
		t.Helper()
		exp := owners(okAt(t, root, "export", "c"))
		if exp["etc/passwd"] != "0:0" || exp["d/a"] != "7:8" || len(exp) < 100 {
			t.Errorf("%s: export has %d entries, etc/passwd %q, d/a %q; want 0:0 and 7:8", how, len(exp), exp["etc/passwd"], exp["d/a"])
		}
		cp := owners(okAt(t, root, "cp", "c:/etc/passwd", "-"))
		if cp["passwd"] != "0:0" {
			t.Errorf("%s: cp c:/etc/passwd - gives %v, want 0:0", how, cp)
		}
	}
	check("running")
	okAt(t, root, "stop", "-t", "0", "c")
	check("stopped")
	t.Setenv("BERTH_NO_IDMAP", "1")
	check("stopped, layers copied")
}

// TestUserns3NoIDMapStoreShared: with one map for the whole store
// (userns-allocate store), every container shares one copy of the layers,
// kept after the last of them goes (the next container needs it) until
// the image goes.
func TestUserns3NoIDMapStoreShared(t *testing.T) {
	t.Setenv("BERTH_NO_IDMAP", "1")
	root := tempStore(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(root, "config.json"), `{"userns-allocate": "store", "userns-subuid": "`+
		filepath.Join(dir, "subuid")+`", "userns-subgid": "`+filepath.Join(dir, "subgid")+`"}`)
	okAt(t, root, "bootstrap")
	for _, n := range []string{"a", "b"} {
		okAt(t, root, "run", "--name", n, "--userns", "private", "busybox", "true")
	}
	copies := func() []string {
		keys, _ := filepath.Glob(filepath.Join(root, "idmapped", "*", "*"))
		return keys
	}
	lowers := strings.Split(okAt(t, root, "inspect", "-f", "{{.GraphDriver.Data.LowerDir}}", "a"), ":")
	if got := copies(); len(got) != len(lowers) {
		t.Fatalf("two containers of one map: copies %v, want one per layer (%d)", got, len(lowers))
	}
	okAt(t, root, "rm", "a")
	if got := copies(); len(got) != len(lowers) {
		t.Errorf("removing one of two containers of a map took its copies: %v", got)
	}
	okAt(t, root, "rm", "b")
	if got := copies(); len(got) != len(lowers) {
		t.Errorf("the store map's copies went with its last container: %v", got)
	}
	okAt(t, root, "rmi", "busybox")
	okAt(t, root, "ps") // the next Open
	if got := copies(); len(got) != 0 {
		t.Errorf("copies outlived their image: %v", got)
	}
}
