package integration

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/cgroups"

	"github.com/berthdev/berth/internal/testutil"
)

// Rootless berth (engine/rootless*.go): a user the test creates, with a
// subordinate id range and a home in a temporary directory, runs the
// binary through runuser on a store of its own. Root-only: it creates the
// user. Everything it made (the user, its processes, its home) is removed
// when it ends, failed or not.

// labUser is a user made for one test.
type labUser struct {
	name, home, bin, runDir string
	uid                     int
	subStart                int
}

// newLabUser creates a user named uniquely for this run; withRange gives
// it a subordinate uid and gid range.
func newLabUser(t *testing.T, withRange bool) *labUser {
	t.Helper()
	testutil.RequiresRoot(t)
	for _, tool := range []string{"useradd", "userdel", "runuser", "newuidmap", "newgidmap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: scripts/deps.sh installs what rootless needs", tool)
		}
	}
	var b [4]byte
	rand.Read(b[:])
	u := &labUser{name: "brl" + hex.EncodeToString(b[:])}
	home, err := os.MkdirTemp("/tmp", "berth-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	u.home = home
	args := []string{"-M", "-d", home, "-s", "/bin/sh", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", u.name}
	if out, err := exec.Command("useradd", args...).CombinedOutput(); err != nil {
		os.RemoveAll(home)
		t.Fatalf("useradd %s: %v: %s", u.name, err, out)
	}
	t.Cleanup(func() { u.remove(t) })
	pw, err := user.Lookup(u.name)
	if err != nil {
		t.Fatal(err)
	}
	u.uid, _ = strconv.Atoi(pw.Uid)
	gid, _ := strconv.Atoi(pw.Gid)
	if withRange {
		// Past every range granted so far, so no two users share ids.
		u.subStart = nextFreeSubID(t)
		r := fmt.Sprintf("%d-%d", u.subStart, u.subStart+65535)
		if out, err := exec.Command("usermod", "--add-subuids", r, "--add-subgids", r, u.name).CombinedOutput(); err != nil {
			t.Fatalf("usermod --add-subuids %s: %v: %s", r, err, out)
		}
	}
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	must(os.Chown(home, u.uid, gid))
	must(os.Chmod(home, 0o700))
	// The binary under test may sit in a directory closed to others: a
	// root-owned copy the user can run.
	u.bin = filepath.Join(home, "berth")
	data, err := os.ReadFile(berthBin)
	must(err)
	must(os.WriteFile(u.bin, data, 0o755))
	u.runDir = filepath.Join(home, "xdg-run")
	must(os.Mkdir(u.runDir, 0o700))
	must(os.Chown(u.runDir, u.uid, gid))
	return u
}

// nextFreeSubID is the first id after every range in /etc/subuid and
// /etc/subgid, rounded up to 65536.
func nextFreeSubID(t *testing.T) int {
	next := 1 << 20
	for _, f := range []string{"/etc/subuid", "/etc/subgid"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			p := strings.Split(sc.Text(), ":")
			if len(p) != 3 {
				continue
			}
			s, err1 := strconv.Atoi(p[1])
			n, err2 := strconv.Atoi(p[2])
			if err1 == nil && err2 == nil && s+n > next {
				next = s + n
			}
		}
		fh.Close()
	}
	return (next + 65535) &^ 65535
}

// remove ends the user's processes (the pause process, shims, containers),
// then removes the user, its ranges and its home.
func (u *labUser) remove(t *testing.T) {
	for i := 0; i < 50; i++ {
		pids := u.pids()
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond) // a cleanup loop, not synchronisation of what is tested
	}
	if out, err := exec.Command("userdel", u.name).CombinedOutput(); err != nil {
		t.Errorf("userdel %s: %v: %s", u.name, err, out)
	}
	exec.Command("usermod", "--del-subuids", "1-4294967294", u.name).Run() // userdel removes them; older shadow did not
	os.RemoveAll(u.home)
	os.RemoveAll(filepath.Join(os.TempDir(), "berth-"+strconv.Itoa(u.uid)))
}

// pids are the processes running as the user (whose real uid is the user's).
func (u *labUser) pids() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(u.uid) {
				out = append(out, pid)
			}
		}
	}
	return out
}

// run runs the berth binary as the user, in its home, with a clean
// environment; path is $PATH ("" for the usual one).
func (u *labUser) run(t *testing.T, stdin, path string, args ...string) result {
	t.Helper()
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := []string{"HOME=" + u.home, "PATH=" + path, "XDG_RUNTIME_DIR=" + u.runDir, "USER=" + u.name}
	cmd := exec.CommandContext(ctx, "runuser", append([]string{"-u", u.name, "--", "/usr/bin/env", "-i"}, append(env, append([]string{u.bin}, args...)...)...)...)
	cmd.Dir = u.home
	cmd.Stdin = strings.NewReader(stdin)
	var so, se strings.Builder
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	r := result{stdout: so.String(), stderr: se.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("berth %v as %s: %v", args, u.name, err)
	}
	return r
}

// ok runs berth as the user and fails t unless it exits 0.
func (u *labUser) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := u.run(t, "", "", args...)
	if r.code != 0 {
		t.Fatalf("berth %s (as %s): %v", strings.Join(args, " "), u.name, r)
	}
	return r.stdout
}

func TestRootlessLifecycle(t *testing.T) {
	u := newLabUser(t, true)
	u.ok(t, "bootstrap")
	store := filepath.Join(u.home, ".local", "share", "berth")
	if _, err := os.Stat(filepath.Join(store, "VERSION")); err != nil {
		t.Fatalf("the default store of a user is ~/.local/share/berth: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(u.runDir, "berth")); len(ents) == 0 {
		t.Errorf("no run directory under $XDG_RUNTIME_DIR/berth")
	}

	// The container's root is the user: uid 0 inside is the user's uid
	// outside, and the user's subordinate range follows.
	got := u.ok(t, "run", "--rm", "--network", "none", "busybox", "cat", "/proc/self/uid_map")
	if f := strings.Fields(got); len(f) < 6 || f[0] != "0" || f[1] != strconv.Itoa(u.uid) || f[2] != "1" || f[4] != strconv.Itoa(u.subStart) {
		t.Errorf("uid_map in a rootless container = %q, want 0 %d 1 / 1 %d 65536", got, u.uid, u.subStart)
	}

	t.Run("detached", func(t *testing.T) {
		u.ok(t, "run", "-d", "--network", "none", "--name", "web", "busybox", "sh", "-c", "echo hello-rootless; exec sleep 600")
		eventually(t, 20*time.Second, "the log line", func() bool {
			return strings.Contains(u.run(t, "", "", "logs", "web").stdout, "hello-rootless")
		})
		if got := u.ok(t, "exec", "web", "sh", "-c", "echo from-exec; id -u"); got != "from-exec\n0\n" {
			t.Errorf("exec: %q", got)
		}
		if !strings.Contains(u.ok(t, "ps"), "web") {
			t.Errorf("ps lacks the running container")
		}
		// Without a cgroup, top and stats read the PID namespace's processes.
		if got := u.ok(t, "top", "web"); !strings.Contains(got, "sleep 600") {
			t.Errorf("top: %q", got)
		}
		if got := u.ok(t, "stats", "--no-stream", "--format", "{{.PIDs}} {{.MemUsage}}", "web"); !strings.HasPrefix(got, "1 ") || strings.HasPrefix(got, "1 0B") {
			t.Errorf("stats: %q", got)
		}
		if r := u.run(t, "", "", "pause", "web"); !cgroups.IsCgroup2UnifiedMode() && (r.code == 0 || !strings.Contains(r.stderr, "pausing a rootless container needs a cgroup")) {
			t.Errorf("pause without a freezer: %v", r)
		}
		u.ok(t, "stop", "-t", "1", "web")
		u.ok(t, "rm", "web")
		if got := u.ok(t, "ps", "-aq"); got != "" {
			t.Errorf("after rm: ps -aq = %q", got)
		}
	})

	t.Run("host network", func(t *testing.T) {
		if got := u.ok(t, "run", "--rm", "--network", "host", "busybox", "cat", "/sys/class/net/lo/mtu"); strings.TrimSpace(got) == "" {
			t.Errorf("--network host: /sys unreadable")
		}
	})

	t.Run("published port", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		defer u.run(t, "", "", "rm", "-f", "httpd")
		if r := u.run(t, "", "", "run", "--rm", "--network", "rl-mine", "busybox", "true"); r.code != 125 || !strings.Contains(r.stderr, "user-defined networks need root") {
			t.Errorf("a user-defined network, rootless: %v", r)
		}
		var st syscall.Stat_t
		if syscall.Stat("/dev/net/tun", &st) == nil && st.Mode&0o006 != 0o006 {
			// pasta cannot open it as the user: the refusal is the property.
			r := u.run(t, "", "", "run", "-d", "--name", "httpd", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), "busybox", "true")
			if r.code != 125 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "needs /dev/net/tun open to users") {
				t.Errorf("the default network with /dev/net/tun closed to users: %v", r)
			}
			if got := u.ok(t, "ps", "-aq"); got != "" {
				t.Errorf("the refused run left a container: %q", got)
			}
			// Then the path itself, with the device as Debian's udev
			// makes it (0666), for this subtest only.
			mode := st.Mode & 0o7777
			if err := os.Chmod("/dev/net/tun", 0o666); err != nil {
				t.Fatalf("opening /dev/net/tun to users for the test: %v", err)
			}
			defer os.Chmod("/dev/net/tun", os.FileMode(mode))
		}
		u.ok(t, "run", "-d", "--name", "httpd", "-p", fmt.Sprintf("127.0.0.1:%d:80", port), "busybox", "sh", "-c",
			"mkdir -p /www && echo served-rootless > /www/index.html && exec httpd -f -p 80 -h /www")
		var body string
		eventually(t, 20*time.Second, "the published port to answer", func() bool {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
			return true
		})
		if body != "served-rootless\n" {
			t.Errorf("GET 127.0.0.1:%d = %q", port, body)
		}
		if got := u.ok(t, "port", "httpd"); !strings.Contains(got, fmt.Sprintf("80/tcp -> 127.0.0.1:%d", port)) {
			t.Errorf("port: %q", got)
		}
		u.ok(t, "rm", "-f", "httpd")
		eventually(t, 20*time.Second, "the port to close", func() bool {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				c.Close()
			}
			return err != nil
		})
	})

	t.Run("build", func(t *testing.T) {
		// The layer chowns a file to uid 1234: unpacked, it belongs to the
		// user's subordinate uid 1233 past the start of the range.
		ctx := filepath.Join(u.home, "ctx")
		os.Mkdir(ctx, 0o755)
		os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM busybox\nRUN echo built > /built && chown 1234:1234 /built\nCMD [\"sh\", \"-c\", \"cat /built; stat -c %u /built\"]\n"), 0o644)
		u.ok(t, "build", "--network", "none", "-t", "rl-built", ctx)
		if got := u.ok(t, "run", "--rm", "--network", "none", "rl-built"); got != "built\n1234\n" {
			t.Errorf("built image: %q", got)
		}
		found := false
		filepath.Walk(filepath.Join(store, "snapshots"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Name() == "built" {
				st := fi.Sys().(*syscall.Stat_t)
				found = true
				if want := u.subStart + 1233; int(st.Uid) != want {
					t.Errorf("%s is owned by %d on the host, want %d (the user's range)", p, st.Uid, want)
				}
			}
			return nil
		})
		if !found {
			t.Errorf("no unpacked layer holds /built")
		}
	})

	t.Run("commit and debug", func(t *testing.T) {
		r := u.run(t, "", "", "run", "--network", "none", "--name", "ex", "busybox", "sh", "-c", "echo kept > /f; exit 3")
		if r.code != 3 {
			t.Fatalf("run: %v", r)
		}
		if got := u.ok(t, "diff", "ex"); !strings.Contains(got, "A /f") {
			t.Errorf("diff: %q", got)
		}
		u.ok(t, "commit", "ex", "rl-committed")
		if got := u.ok(t, "run", "--rm", "--network", "none", "rl-committed", "cat", "/f"); got != "kept\n" {
			t.Errorf("committed image: %q", got)
		}
		r = u.run(t, "cat /f; exit 0\n", "", "debug", "ex")
		if r.code != 0 || !strings.Contains(r.stdout, "kept") {
			t.Errorf("debug of an exited container: %v", r)
		}
		u.ok(t, "cp", "ex:/f", filepath.Join(u.home, "copied"))
		if data, _ := os.ReadFile(filepath.Join(u.home, "copied")); string(data) != "kept\n" {
			t.Errorf("cp: %q", data)
		}
		u.ok(t, "rm", "ex")
	})

	t.Run("host root's file stays root's", func(t *testing.T) {
		// The mapping grants the user nothing they did not own: a file of
		// real root's, mode 0644, bind-mounted, is read-only to the
		// container's root.
		f := filepath.Join(t.TempDir(), "roots")
		if err := os.WriteFile(f, []byte("root's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Dir(f), 0o755)
		os.Chmod(filepath.Dir(filepath.Dir(f)), 0o755)
		r := u.run(t, "", "", "run", "--rm", "--network", "none", "-v", f+":/roots", "busybox", "sh", "-c", "cat /roots; echo owned > /roots && echo WROTE")
		if strings.Contains(r.stdout, "WROTE") || !strings.Contains(r.stdout, "root's") {
			t.Errorf("container root and a root-owned 0644 file: %v", r)
		}
		if data, _ := os.ReadFile(f); string(data) != "root's\n" {
			t.Errorf("the host file changed: %q", data)
		}
	})

	t.Run("limit flags", func(t *testing.T) {
		r := u.run(t, "", "", "run", "--rm", "--network", "none", "--userns", "private", "busybox", "true")
		if r.code != 125 || !strings.Contains(r.stderr, "--userns private: a rootless container already runs in your user namespace") {
			t.Errorf("--userns private as a rootless user: %v", r)
		}
		if cgroups.IsCgroup2UnifiedMode() {
			t.Skip("cgroup v2 host: limits depend on delegation")
		}
		for _, flag := range [][]string{{"--memory", "64m"}, {"--pids-limit", "10"}, {"--cpus", "0.5"}} {
			r := u.run(t, "", "", append(append([]string{"run", "--rm", "--network", "none"}, flag...), "busybox", "true")...)
			if r.code != 125 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, flag[0]+": a rootless container's limits need") || !strings.Contains(r.stderr, "cgroup v1") {
				t.Errorf("run %s as a rootless user: %v", flag[0], r)
			}
		}
		if got := u.ok(t, "ps", "-aq"); got != "" {
			t.Errorf("a refused limit left a container: %q", got)
		}
	})
}

func TestRootlessBadInput(t *testing.T) {
	u := newLabUser(t, false)
	store := filepath.Join(u.home, ".local", "share", "berth")
	oneLine := func(r result, want string) {
		t.Helper()
		if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, want) {
			t.Errorf("want one line with %q, got %v", want, r)
		}
		if _, err := os.Stat(store); err == nil {
			t.Errorf("a refused command made the store %s", store)
		}
	}
	oneLine(u.run(t, "", "", "ps"), "user "+u.name+" has no range in /etc/subuid: ask an administrator to run `scripts/lab-setup.sh` (or usermod --add-subuids")
	oneLine(u.run(t, "", "/nonexistent", "ps"), "rootless berth needs newuidmap (Debian package uidmap), not found on PATH")

	// A store under a directory another user owns is refused before
	// anything is written (the check runs with the user's credentials).
	v := newLabUser(t, true)
	other := filepath.Join(u.home, "theirs")
	os.Mkdir(other, 0o755)
	os.Chown(other, u.uid, u.uid)
	os.Chmod(u.home, 0o755)
	r := v.run(t, "", "", "--root", filepath.Join(other, "store"), "ps")
	if r.code == 0 || !strings.Contains(r.stderr, "is owned by uid "+strconv.Itoa(u.uid)) {
		t.Errorf("a store in another user's directory: %v", r)
	}
	if _, err := os.Stat(filepath.Join(other, "store")); err == nil {
		t.Errorf("the refused store was made")
	}
}
