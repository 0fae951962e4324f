package integration

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/testutil"
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
// three containers, one copy per layer, made once: it outlives them for
// the next container (a run --rm copies nothing) and goes with the image.
// system df counts the copies in the Images row and busybox's SHARED SIZE.
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
	if got := okAt(t, root, "info", "--format", "{{.SecurityOptions}}"); !strings.Contains(got, "name=userns") {
		t.Errorf("info's security options %s lack name=userns (docker's, under userns-remap)", got)
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
	ino := func() uint64 {
		t.Helper()
		var st syscall.Stat_t
		if err := syscall.Stat(copies[0], &st); err != nil {
			t.Fatalf("the store map's copy: %v", err)
		}
		return st.Ino
	}
	first := ino()
	okAt(t, root, "rm", "a", "b", "c")
	okAt(t, root, "run", "--rm", "busybox", "true")
	if got, _ := filepath.Glob(filepath.Join(root, "idmapped", "*", "*")); len(got) != len(lowers) || ino() != first {
		t.Errorf("after the map's last container and a run --rm: copies %v (inode %d, was %d), want the first ones kept", got, ino(), first)
	}
	// With idmapped mounts the default is the same map, and no copy.
	t.Setenv("BERTH_NO_IDMAP", "")
	if got := okAt(t, root, "run", "--rm", "busybox", "cat", "/proc/self/uid_map"); strings.Join(strings.Fields(got), " ") != "0 131072 65536" {
		t.Errorf("idmapped, uid_map %q", got)
	}
	okAt(t, root, "rmi", "busybox")
	okAt(t, root, "ps") // the next Open
	if got, _ := filepath.Glob(filepath.Join(root, "idmapped", "*", "*")); len(got) != 0 {
		t.Errorf("copies outlived their image: %v", got)
	}
	if got := imagesSize(); got != 0 {
		t.Errorf("system df Images %.0f bytes with no image and no copy", got)
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

// subRange is one line of /etc/subuid or /etc/subgid.
type subRange struct {
	owner      string
	start, end uint64 // [start, end)
}

func subRanges(t *testing.T, file string) []subRange {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []subRange
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(l, ":")
		if len(f) != 3 {
			continue
		}
		s, err1 := strconv.ParseUint(f[1], 10, 32)
		n, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, subRange{f[0], s, s + n})
	}
	return out
}

// TestUserns4LabSetup: scripts/lab-setup.sh N PREFIX makes the N users
// with 65536 subordinate UIDs and GIDs each, overlapping no other entry
// of /etc/subuid and /etc/subgid, and a second run changes nothing and
// says so. The users (a prefix of the test's own) are removed after.
func TestUserns4LabSetup(t *testing.T) {
	testutil.RequiresRoot(t)
	for _, c := range []string{"useradd", "userdel", "usermod", "newuidmap", "pasta"} {
		testutil.RequiresCommand(t, c)
	}
	script, err := filepath.Abs("../scripts/lab-setup.sh")
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("bl%04x", os.Getpid()&0xffff) + "s"
	users := []string{prefix + "1", prefix + "2"}
	for _, u := range users {
		if _, err := user.Lookup(u); err == nil {
			t.Fatalf("user %s exists before the test", u)
		}
	}
	t.Cleanup(func() {
		for _, u := range users {
			if _, err := user.Lookup(u); err != nil {
				continue
			}
			// userdel takes the user's subordinate ranges with it.
			if out, err := exec.Command("userdel", "-r", u).CombinedOutput(); err != nil {
				t.Errorf("userdel -r %s: %v: %s", u, err, out)
			}
		}
		for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
			for _, r := range subRanges(t, f) {
				if slices.Contains(users, r.owner) {
					t.Errorf("%s keeps %s's range after userdel", f, r.owner)
				}
			}
		}
	})
	lab := func() result {
		t.Helper()
		cmd := exec.Command(script, "2", prefix)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		r := result{stdout: out.String(), stderr: errb.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// The second student exists already, without subordinate IDs: the
	// script gives it the first free block instead of making it again.
	if out, err := exec.Command("useradd", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", users[1]).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v: %s", users[1], err, out)
	}
	r := lab()
	if r.code != 0 || !strings.Contains(r.stdout, "lab: created user "+users[0]) || strings.Contains(r.stdout, "created user "+users[1]) ||
		!strings.Contains(r.stdout, "lab: gave "+users[1]+" subuids ") || !strings.Contains(r.stdout, "2 users ready") {
		t.Fatalf("lab-setup.sh 2 %s: %v", prefix, r)
	}
	files := map[string][]byte{}
	for _, f := range []string{"/etc/subuid", "/etc/subgid", "/etc/passwd", "/etc/group"} {
		files[f], _ = os.ReadFile(f)
	}
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		rs := subRanges(t, f)
		for _, u := range users {
			var mine []subRange
			for _, r := range rs {
				if r.owner == u {
					mine = append(mine, r)
				}
			}
			if len(mine) != 1 || mine[0].end-mine[0].start != 65536 {
				t.Errorf("%s: %s has %v, want one range of 65536", f, u, mine)
				continue
			}
			for _, o := range rs {
				if o.owner != u && o.start < mine[0].end && mine[0].start < o.end {
					t.Errorf("%s: %s's range %v overlaps %s's %v", f, u, mine[0], o.owner, o)
				}
			}
		}
	}
	if home := filepath.Join("/home", users[0]); !dirExists(home) {
		t.Errorf("%s has no home directory %s", users[0], home)
	}
	r = lab()
	if r.code != 0 || strings.TrimSpace(r.stdout) != "lab: nothing to change: 2 users ready ("+users[0]+".."+users[1]+")" {
		t.Errorf("second run: %v; want one line saying nothing changed", r)
	}
	for f, before := range files {
		if now, _ := os.ReadFile(f); !slices.Equal(now, before) {
			t.Errorf("the second run changed %s", f)
		}
	}
	// Bad arguments: one line, exit 2, nothing made.
	for _, args := range [][]string{{}, {"0"}, {"x"}, {"2", "Bad!"}} {
		cmd := exec.Command(script, args...)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
			t.Errorf("lab-setup.sh %q: %v, %q; want exit 2 and one line", args, err, out)
		}
	}
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// TestUserns4KilledCopier: a berth killed (-9) while it makes a layer's
// chowned copy leaves its temporary directory; nobody holds its lock any
// more, so once past the grace that covers a copier's first instant the
// next Open sweeps it, and the next copy is made whole.
func TestUserns4KilledCopier(t *testing.T) {
	t.Setenv("BERTH_NO_IDMAP", "1")
	root, _ := usernsStore(t)
	// The container's first start makes its map's copies; they are taken
	// away so that the cp below, on the stopped container, makes them again.
	okAt(t, root, "run", "--name", "c", "--userns", "private", "busybox", "true")
	maps, _ := filepath.Glob(filepath.Join(root, "idmapped", "*"))
	if len(maps) != 1 {
		t.Fatalf("idmapped/ holds %v, want one map", maps)
	}
	dir := maps[0]
	layers, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, l := range layers {
		if err := os.RemoveAll(l); err != nil {
			t.Fatal(err)
		}
	}
	// killedCopy runs a cp that makes the copies and kills it (-9) as soon
	// as its temporary appears: mid-copy, as the copy, its syncfs and
	// rename take far longer than this wake-up. It returns the temporary,
	// "" if the copier finished first.
	killedCopy := func() string {
		t.Helper()
		in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(in)
		if _, err := unix.InotifyAddWatch(in, dir, unix.IN_CREATE); err != nil {
			t.Fatal(err)
		}
		cp := exec.Command(berthBin, "--root", root, "cp", "c:/etc/passwd", "-")
		if err := cp.Start(); err != nil {
			t.Fatal(err)
		}
		defer cp.Wait()
		defer cp.Process.Signal(syscall.SIGKILL)
		buf := make([]byte, 4096)
		for {
			n, err := unix.Poll([]unix.PollFd{{Fd: int32(in), Events: unix.POLLIN}}, 30000)
			if err == unix.EINTR {
				continue
			}
			if err != nil || n == 0 {
				t.Fatalf("no temporary copy appeared in %s: %v", dir, err)
			}
			m, _ := unix.Read(in, buf)
			for off := 0; off+unix.SizeofInotifyEvent <= m; {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
				off += unix.SizeofInotifyEvent + int(ev.Len)
				if !strings.HasPrefix(name, ".tmp-") {
					continue
				}
				cp.Process.Signal(syscall.SIGKILL)
				cp.Wait()
				if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
					return ""
				}
				return filepath.Join(dir, name)
			}
		}
	}
	tmp := ""
	for try := 0; try < 3 && tmp == ""; try++ {
		if tmp = killedCopy(); tmp == "" {
			made, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, l := range made {
				os.RemoveAll(l)
			}
		}
	}
	if tmp == "" {
		t.Fatalf("the copier finished before its kill three times")
	}
	okAt(t, root, "ps", "-a")
	if _, err := os.Lstat(tmp); err != nil {
		t.Fatalf("Open swept a temporary younger than the grace: %v", err)
	}
	old := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}
	okAt(t, root, "ps", "-a")
	if _, err := os.Lstat(tmp); err == nil {
		t.Fatalf("the killed copier's %s outlived the next Open", tmp)
	}
	if got := okAt(t, root, "cp", "c:/etc/passwd", "-"); !strings.Contains(got, "root:x:0:0") {
		t.Errorf("cp after the sweep printed %q", got)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	made, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != 0 || len(made) != len(layers) {
		t.Errorf("after the next cp: temporaries %v, copies %v; want none and %d", left, made, len(layers))
	}
}
