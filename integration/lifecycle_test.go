package integration

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLifecycle(t *testing.T) {
	t.Parallel()
	n := name(t, "c")
	cleanup(t, n)
	id := ok(t, "create", "--name", n, "busybox", "sh", "-c", "echo started; sleep 300")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(id) {
		t.Fatalf("create printed %q, want a 64-hex ID", id)
	}
	if got := inspectField(t, n, "{{.State.Status}}"); got != "created" {
		t.Fatalf("after create: status %q", got)
	}
	// A 12-digit prefix and the name both find it.
	if got := ok(t, "ps", "-a", "-q", "--filter", "name="+n); got != id[:12] {
		t.Fatalf("ps -q = %q, want %q", got, id[:12])
	}
	ok(t, "start", id[:12])
	if got := inspectField(t, n, "{{.State.Status}} {{.State.Running}}"); got != "running true" {
		t.Fatalf("after start: %q", got)
	}
	if pid := inspectField(t, n, "{{.State.Pid}}"); pid == "0" {
		t.Fatal("running container has no Pid")
	}
	ok(t, "pause", n)
	if got := inspectField(t, n, "{{.State.Status}} {{.State.Paused}}"); got != "paused true" {
		t.Fatalf("after pause: %q", got)
	}
	if ps := ok(t, "ps", "--filter", "name="+n); !strings.Contains(ps, "(Paused)") {
		t.Fatalf("ps does not show (Paused):\n%s", ps)
	}
	ok(t, "unpause", n)
	n2 := name(t, "renamed")
	cleanup(t, n2)
	ok(t, "rename", n, n2)
	if got := inspectField(t, id, "{{.Name}}"); got != "/"+n2 {
		t.Fatalf("after rename: Name %q", got)
	}
	ok(t, "stop", "-t", "1", n2) // sh as PID 1 ignores SIGTERM: killed after 1s (137)
	if got := inspectField(t, n2, "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Fatalf("after stop: %q", got)
	}
	ok(t, "restart", "-t", "0", n2)
	if got := inspectField(t, n2, "{{.State.Status}}"); got != "running" {
		t.Fatalf("after restart: %q", got)
	}
	eventually(t, 5*time.Second, "two starts logged", func() bool { return ok(t, "logs", n2) == "started\nstarted" })
	ok(t, "kill", "-s", "KILL", n2)
	// As docker's, a SIGKILL returns once the container has stopped.
	if got := inspectField(t, n2, "{{.State.Status}} {{.State.Running}}"); got != "exited false" {
		t.Fatalf("right after kill -s KILL: %q", got)
	}
	if got := ok(t, "wait", n2); got != "137" {
		t.Fatalf("wait = %q, want 137", got)
	}
	ok(t, "rm", n2)
	fails(t, 1, []string{n2, "not found"}, "inspect", "--type", "container", n2)
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", "--rm", "busybox", "true"}, 0, ""},
		{[]string{"run", "--rm", "busybox", "sh", "-c", "exit 3"}, 3, ""},
		{[]string{"run", "--rm", "busybox", "no-such-command"}, 127, `"no-such-command": executable file not found`},
		{[]string{"run", "--rm", "busybox", "/etc/passwd"}, 126, "permission denied"},
		{[]string{"run", "--rm", "--pull", "never", "no-such-image:latest"}, 125, `"no-such-image:latest"`},
		{[]string{"run", "--rm", "--memory", "lots", "busybox", "true"}, 125, "--memory"},
		{[]string{"run", "--rm", "--cpus", "-1", "busybox", "true"}, 125, "--cpus"},
		{[]string{"run", "--rm", "--no-such-flag", "busybox"}, 125, "unknown flag"},
		{[]string{"run", "--rm", "--cap-add", "NOT_A_CAP", "busybox", "true"}, 125, "NOT_A_CAP"},
		{[]string{"run", "--rm", "--network", "bridge0", "busybox", "true"}, 125, "network bridge0 not found"},
		{[]string{"run", "--rm", "--security-opt", "nonsense", "busybox", "true"}, 125, "nonsense"},
		// PID 1 ignores signals it has no handler for; a child does not.
		{[]string{"run", "--rm", "busybox", "sh", "-c", "sleep 10 & kill -TERM $!; wait $!"}, 143, ""},
	}
	for _, c := range cases {
		r := berth(t, c.args...)
		if r.code != c.code {
			t.Errorf("berth %s: exit %d, want %d (%v)", strings.Join(c.args, " "), r.code, c.code, r)
		}
		if c.msg != "" && !strings.Contains(r.stderr, c.msg) {
			t.Errorf("berth %s: stderr %q lacks %q", strings.Join(c.args, " "), r.stderr, c.msg)
		}
		if c.code != 0 && c.msg != "" && strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
			t.Errorf("berth %s: error spans lines: %q", strings.Join(c.args, " "), r.stderr)
		}
	}
}

func TestRunOptions(t *testing.T) {
	t.Parallel()
	out := ok(t, "run", "--rm", "-e", "FOO=bar", "-w", "/tmp", "-u", "nobody", "--hostname", "box",
		"busybox", "sh", "-c", `echo "$FOO $(pwd) $(id -u) $(hostname) $HOME"`)
	if out != "bar /tmp 65534 box /home" {
		t.Errorf("env/workdir/user/hostname: got %q", out)
	}
	if out := ok(t, "run", "--rm", "--entrypoint", "echo", "busybox", "a", "b"); out != "a b" {
		t.Errorf("--entrypoint: got %q", out)
	}
	// docker's default capabilities: no NET_ADMIN; --cap-add gives it, --privileged all.
	capEff := func(args ...string) string {
		a := append([]string{"run", "--rm"}, args...)
		a = append(a, "busybox", "sh", "-c", "grep CapEff /proc/self/status")
		return strings.Fields(ok(t, a...))[1]
	}
	if got := capEff(); got != "00000000a80425fb" {
		t.Errorf("default CapEff = %s, want docker's 00000000a80425fb", got)
	}
	if got := capEff("--cap-drop", "ALL"); got != "0000000000000000" {
		t.Errorf("--cap-drop ALL: CapEff = %s", got)
	}
	if got := capEff("--cap-add", "NET_ADMIN"); got != "00000000a80435fb" {
		t.Errorf("--cap-add NET_ADMIN: CapEff = %s", got)
	}
	// Seccomp filter on by default (mode 2), off with unconfined; no_new_privs on.
	status := ok(t, "run", "--rm", "busybox", "grep", "-E", "^(Seccomp|NoNewPrivs):", "/proc/self/status")
	if !strings.Contains(status, "Seccomp:\t2") || !strings.Contains(status, "NoNewPrivs:\t1") {
		t.Errorf("security defaults: %q", status)
	}
	status = ok(t, "run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "^Seccomp:", "/proc/self/status")
	if !strings.Contains(status, "Seccomp:\t0") {
		t.Errorf("seccomp=unconfined: %q", status)
	}
	// Masked /proc paths are empty; /proc/sys is read-only.
	if out := ok(t, "run", "--rm", "busybox", "sh", "-c", "wc -c < /proc/timer_list; echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo ro"); out != "0\nro" {
		t.Errorf("masked/read-only /proc: %q", out)
	}
	// --env-file and docker's KEY (no value) passing the caller's value through.
	envFile := t.TempDir() + "/env"
	writeFile(t, envFile, "# comment\nA=1\n\nB=two words\n")
	if out := ok(t, "run", "--rm", "--env-file", envFile, "busybox", "sh", "-c", `echo "$A/$B"`); out != "1/two words" {
		t.Errorf("--env-file: %q", out)
	}
	// Network none: only lo. host: the host's interfaces.
	if out := ok(t, "run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net"); out != "lo" {
		t.Errorf("--network none: interfaces %q", out)
	}
	if out := ok(t, "run", "--rm", "--network", "host", "busybox", "ls", "/sys/class/net"); out == "lo" {
		t.Errorf("--network host: only lo")
	}
	// --cpus sets the CFS quota.
	if out := ok(t, "run", "--rm", "--cpus", "0.5", "busybox", "sh", "-c",
		"cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max"); out != "50000" {
		t.Errorf("--cpus 0.5: quota %q", out)
	}
}

func TestResourceLimits(t *testing.T) {
	t.Parallel()
	t.Run("oom", func(t *testing.T) {
		n := name(t, "oom")
		cleanup(t, n)
		r := berth(t, "run", "--name", n, "--memory", "16m", "busybox", "sh", "-c",
			`x=$(head -c 200000000 /dev/zero | tr '\0' a); echo survived`)
		if r.code != 137 {
			t.Fatalf("memory hog: %v, want exit 137", r)
		}
		if got := inspectField(t, n, "{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}"); got != "true 137 16777216" {
			t.Fatalf("inspect: %q", got)
		}
	})
	t.Run("pids", func(t *testing.T) {
		// Only builtins after the fork storm: fork is what the limit refuses.
		out := ok(t, "run", "--rm", "--pids-limit", "8", "busybox", "sh", "-c",
			`(for i in $(seq 20); do sleep 30 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#`)
		var procs int
		for _, f := range strings.Fields(out) {
			procs = atoi(f)
		}
		if procs > 8 {
			t.Fatalf("pids limit 8 but %d processes ran (%q)", procs, out)
		}
	})
}
