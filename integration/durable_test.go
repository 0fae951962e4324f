package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRestartOnFailure: on-failure:3 restarts exactly three times, keeps
// the exit code, and shows the count in inspect; bad policies are refused.
func TestRestartOnFailure(t *testing.T) {
	t.Parallel()
	c := name(t, "c")
	cleanup(t, c)
	ok(t, "run", "-d", "--name", c, "--restart", "on-failure:3", "busybox", "sh", "-c", "echo attempt; exit 3")
	eventually(t, 20*time.Second, "three restarts, then exited", func() bool {
		return inspectField(t, c, "{{.State.Status}} {{.RestartCount}}") == "exited 3"
	})
	// A fourth run would come from its shim: once the shim has ended,
	// the count is final.
	waitShimEnded(t, storeRoot, c)
	if got := ok(t, "ps", "-a", "--filter", "name="+c, "--format", "{{.RestartCount}}"); got != "3" {
		t.Errorf("ps restart count: %q", got)
	}
	if got := inspectField(t, c, "{{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}"); got != "3 3 on-failure 3" {
		t.Errorf("after the restarts: %q", got)
	}
	if n := strings.Count(ok(t, "logs", c), "attempt"); n != 4 {
		t.Errorf("%d runs logged, want 4", n)
	}
	fails(t, 125, []string{`restart policy "sometimes": invalid`}, "run", "--rm", "--restart", "sometimes", "busybox", "true")
	fails(t, 125, []string{"maximum retry count"}, "run", "--rm", "--restart", "always:2", "busybox", "true")
	fails(t, 125, []string{"cannot combine --restart always and --rm"}, "run", "--rm", "--restart", "always", "busybox", "true")
}

// TestRestartAlways: "always" brings a crashed container back (its process
// killed from the host), `ps` shows it restarting in between for a
// container that keeps failing, and `stop` ends it for good, also in the
// middle of the back-off.
func TestRestartAlways(t *testing.T) {
	t.Parallel()
	c, f := name(t, "c"), name(t, "failing")
	cleanup(t, c, f)
	ok(t, "run", "-d", "--name", c, "--restart", "always", "busybox", "sleep", "300")
	pid := pidOf(t, inspectField(t, c, "{{.State.Pid}}"))
	syscall.Kill(pid, syscall.SIGKILL)
	eventually(t, 10*time.Second, "a restart after the crash", func() bool {
		return inspectField(t, c, "{{.State.Status}} {{.RestartCount}}") == "running 1"
	})
	if got := inspectField(t, c, "{{.State.Pid}}"); got == strconv.Itoa(pid) {
		t.Errorf("same pid after the restart: %s", got)
	}
	ok(t, "stop", "-t", "1", c)
	waitShimEnded(t, storeRoot, c)
	if got := inspectField(t, c, "{{.State.Status}} {{.RestartCount}}"); got != "exited 1" {
		t.Errorf("after stop: %q", got)
	}

	ok(t, "run", "-d", "--name", f, "--restart", "always", "busybox", "false")
	eventually(t, 10*time.Second, "restarting in ps", func() bool {
		return strings.HasPrefix(ok(t, "ps", "--filter", "name="+f, "--format", "{{.Status}}"), "Restarting (1)")
	})
	ok(t, "stop", f) // in the back-off: ends it without a restart
	n := inspectField(t, f, "{{.RestartCount}}")
	waitShimEnded(t, storeRoot, f)
	if got := inspectField(t, f, "{{.State.Status}} {{.RestartCount}}"); got != "exited "+n {
		t.Errorf("after stop: %q (count was %s)", got, n)
	}
	// a user's kill also turns the policy off, as docker's does
	ok(t, "start", c)
	ok(t, "kill", c)
	waitShimEnded(t, storeRoot, c)
	if got := inspectField(t, c, "{{.State.Status}}"); got != "exited" {
		t.Errorf("after kill: %q", got)
	}
}

// TestRestartOutlivesShim: a container whose shim died comes back at the
// next berth command when its policy says so; after a reboot (the run
// directory is new) "always" containers start even when stopped by hand,
// "unless-stopped" ones only when they were not.
func TestRestartOutlivesShim(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	t.Cleanup(func() { berth(t, b("rm", "-f", "always", "unless", "no")...) })
	ok(t, b("run", "-d", "--name", "always", "--restart", "always", "busybox", "sleep", "300")...)
	ok(t, b("run", "-d", "--name", "unless", "--restart", "unless-stopped", "busybox", "sleep", "300")...)
	ok(t, b("run", "-d", "--name", "no", "busybox", "sleep", "300")...)

	// kill -9 the shim of "always": the next command restarts it.
	id := ok(t, b("inspect", "-f", "{{.Id}}", "always")...)
	var st struct {
		ShimPid int `json:"shimPid"`
	}
	data, _ := os.ReadFile(filepath.Join(root, "containers", id, "state.json"))
	if err := json.Unmarshal(data, &st); err != nil || st.ShimPid <= 1 {
		t.Fatalf("state.json: %v %s", err, data)
	}
	syscall.Kill(st.ShimPid, syscall.SIGKILL)
	eventually(t, 10*time.Second, "the shim gone", func() bool { return syscall.Kill(st.ShimPid, 0) != nil })
	if got := ok(t, b("inspect", "-f", "{{.State.Status}}", "always")...); got != "running" {
		t.Errorf("always after its shim died: %s", got)
	}

	// "Reboot": stop all by hand, then a new run directory.
	ok(t, b("stop", "-t", "0", "always", "unless", "no")...)
	sum := sha256.Sum256([]byte(root)) // engine.RunRootFor
	runRoot := "/run/berth-" + hex.EncodeToString(sum[:])[:12]
	if err := os.Remove(filepath.Join(runRoot, "booted")); err != nil {
		t.Fatal(err)
	}
	got := ok(t, b("ps", "-a", "--format", "{{.Names}} {{.State}}")...)
	for _, want := range []string{"always running", "unless exited", "no exited"} {
		if !strings.Contains(got, want) {
			t.Errorf("after a reboot: %q lacks %q", got, want)
		}
	}
}

// TestInitReapsAndForwards: with --init, tini is PID 1, orphans are
// reaped (without it a non-reaping PID 1 leaves a zombie), and stop's
// SIGTERM reaches the command.
func TestInitReapsAndForwards(t *testing.T) {
	t.Parallel()
	zombies := func(c string) int {
		return strings.Count(ok(t, "exec", c, "ps", "-o", "stat"), "Z")
	}
	for _, init := range []bool{false, true} {
		c := name(t, strconv.FormatBool(init))
		cleanup(t, c)
		args := []string{"run", "-d", "--name", c}
		if init {
			args = append(args, "--init")
		}
		ok(t, append(args, "busybox", "sh", "-c", "(sleep 0.1 &); exec sleep 300")...)
		// The orphan has ended once no live `sleep 0.1` is left (a zombie
		// is listed as Z, or not at all once reaped).
		eventually(t, 10*time.Second, "the orphan ended", func() bool {
			for _, l := range strings.Split(ok(t, "exec", c, "ps", "-o", "stat,args"), "\n") {
				if f := strings.Fields(l); len(f) >= 3 && f[1] == "sleep" && f[2] == "0.1" && !strings.HasPrefix(f[0], "Z") {
					return false
				}
			}
			return true
		})
		n := zombies(c)
		if init && n != 0 {
			t.Errorf("--init: %d zombies", n)
		}
		if !init && n != 1 {
			t.Errorf("without --init: %d zombies, want 1 (the test shows nothing otherwise)", n)
		}
		if init {
			if got := ok(t, "exec", c, "cat", "/proc/1/cmdline"); !strings.HasPrefix(got, "/sbin/docker-init") {
				t.Errorf("PID 1 is %q", got)
			}
			// 143: ended by the SIGTERM that tini forwarded (137 would be
			// the SIGKILL after the timeout).
			ok(t, "stop", "-t", "60", c)
			if got := inspectField(t, c, "{{.State.ExitCode}} {{.HostConfig.Init}}"); got != "143 true" {
				t.Errorf("exit code and HostConfig.Init: %q (SIGTERM not forwarded?)", got)
			}
		}
	}
}

// TestReadOnlyAndGroups: --read-only refuses writes to / with EROFS and
// keeps /dev/shm writable; -u and --group-add resolve through the image's
// /etc/passwd and /etc/group.
func TestReadOnlyAndGroups(t *testing.T) {
	t.Parallel()
	r := berth(t, "run", "--rm", "--read-only", "busybox", "sh", "-c", "touch /x; touch /dev/shm/y && echo shm-ok")
	if r.code != 0 || !strings.Contains(r.stderr, "Read-only file system") || !strings.Contains(r.stdout, "shm-ok") {
		t.Errorf("--read-only: %v", r)
	}
	got := ok(t, "run", "--rm", "-u", "nobody", "--group-add", "mail", "--group-add", "10", "busybox", "id")
	for _, want := range []string{"uid=65534(nobody)", "10(wheel)", "12(mail)"} {
		if !strings.Contains(got, want) {
			t.Errorf("id = %q lacks %q", got, want)
		}
	}
	fails(t, 125, []string{"--group-add", "no-such-group"}, "run", "--rm", "--group-add", "no-such-group", "busybox", "true")
	fails(t, 125, []string{"no-such-user"}, "run", "--rm", "-u", "no-such-user", "busybox", "true")
}

// waitShimEnded waits until the shim of container ref in the store at root
// has ended (its state records no shim): nothing can restart it after that.
func waitShimEnded(t *testing.T, root, ref string) {
	t.Helper()
	id := ok(t, "--root", root, "inspect", "-f", "{{.Id}}", ref)
	eventually(t, 30*time.Second, "the shim of "+ref+" ended", func() bool {
		var st struct {
			ShimPid int `json:"shimPid"`
		}
		data, err := os.ReadFile(filepath.Join(root, "containers", id, "state.json"))
		return err == nil && json.Unmarshal(data, &st) == nil && st.ShimPid == 0
	})
}
