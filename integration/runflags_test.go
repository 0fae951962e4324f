package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStopSignalAndTimeout: stop sends --stop-signal, and SIGKILL once
// --stop-timeout has passed; inspect shows both.
func TestStopSignalAndTimeout(t *testing.T) {
	t.Parallel()
	usr1 := name(t, "usr1")
	cleanup(t, usr1)
	ok(t, "run", "-d", "--name", usr1, "--stop-signal", "SIGUSR1", "--stop-timeout", "30", "busybox",
		"sh", "-c", `trap "echo got usr1; exit 3" USR1; echo ready; while :; do sleep 0.1; done`)
	eventually(t, 10*time.Second, usr1+" ready", func() bool { return strings.Contains(ok(t, "logs", usr1), "ready") })
	if got := inspectField(t, usr1, "{{.Config.StopSignal}} {{.Config.StopTimeout}}"); got != "SIGUSR1 30" {
		t.Errorf("Config.StopSignal/StopTimeout = %q", got)
	}
	ok(t, "stop", usr1)
	if code := inspectField(t, usr1, "{{.State.ExitCode}}"); code != "3" || !strings.Contains(ok(t, "logs", usr1), "got usr1") {
		t.Errorf("stop with --stop-signal SIGUSR1: exit %s, logs %q", code, ok(t, "logs", usr1))
	}

	deaf := name(t, "deaf")
	cleanup(t, deaf)
	ok(t, "run", "-d", "--name", deaf, "--stop-timeout", "1", "busybox", "sh", "-c", `trap "" TERM; echo ready; while :; do sleep 0.1; done`)
	eventually(t, 10*time.Second, deaf+" ready", func() bool { return strings.Contains(ok(t, "logs", deaf), "ready") })
	ok(t, "stop", deaf)
	if code := inspectField(t, deaf, "{{.State.ExitCode}}"); code != "137" {
		t.Errorf("a container deaf to SIGTERM after --stop-timeout 1: exit %s, want 137 (SIGKILL)", code)
	}
	fails(t, 125, []string{`invalid stop signal "SIGNOPE"`}, "create", "--stop-signal", "SIGNOPE", "busybox")
	fails(t, 125, []string{"invalid stop timeout -2"}, "create", "--stop-timeout", "-2", "busybox")
}

// TestExposeAndCidfile: --expose adds ports and ranges to ExposedPorts;
// --cidfile holds the new ID, refuses an existing file and is removed when
// create fails.
func TestExposeAndCidfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cid := filepath.Join(dir, "cid")
	n := name(t, "x")
	cleanup(t, n)
	id := ok(t, "create", "--name", n, "--cidfile", cid, "--expose", "80", "--expose", "8000-8001/udp", "busybox")
	if b, err := os.ReadFile(cid); err != nil || string(b) != id {
		t.Errorf("--cidfile holds %q (%v), want %s", b, err, id)
	}
	if got := inspectField(t, n, "{{json .Config.ExposedPorts}}"); got != `{"80/tcp":{},"8000/udp":{},"8001/udp":{}}` {
		t.Errorf("ExposedPorts = %s", got)
	}
	fails(t, 125, []string{"container ID file found"}, "create", "--cidfile", cid, "busybox")
	fails(t, 125, []string{"invalid range format for --expose: 9-1"}, "create", "--expose", "9-1", "busybox")
	other := filepath.Join(dir, "other")
	fails(t, 125, []string{"not found"}, "create", "--network", "no-such-net", "--cidfile", other, "busybox")
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("a failed create left its --cidfile: %v", err)
	}
}

// TestResourceAndEtcFlags: docker's resource flags reach the cgroup and
// the process, the /etc flags reach the container's files, and each bad
// value is one line before anything is created.
func TestResourceAndEtcFlags(t *testing.T) {
	t.Parallel()
	run := func(args ...string) string { return ok(t, append([]string{"run", "--rm"}, args...)...) }
	if got := run("--ulimit", "nofile=512:1024", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"); got != "512\n1024" {
		t.Errorf("--ulimit nofile=512:1024: %q", got)
	}
	if got := run("--shm-size", "8m", "busybox", "df", "-k", "/dev/shm"); !strings.Contains(got, " 8192 ") {
		t.Errorf("--shm-size 8m: %q", got)
	}
	if got := run("--sysctl", "kernel.shmmax=123456789", "busybox", "cat", "/proc/sys/kernel/shmmax"); got != "123456789" {
		t.Errorf("--sysctl kernel.shmmax: %q", got)
	}
	if cgroupV1() {
		got := run("--cpu-shares", "512", "--cpuset-cpus", "0", "--memory-reservation", "32m", "-m", "64m", "--oom-kill-disable", "busybox", "sh", "-c",
			"cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/memory/memory.soft_limit_in_bytes; grep oom_kill_disable /sys/fs/cgroup/memory/memory.oom_control")
		if got != "512\n0\n33554432\noom_kill_disable 1" {
			t.Errorf("cpu and memory flags in the cgroup: %q", got)
		}
	}
	if got := run("--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c", "ls -l /dev/mynull; echo x > /dev/mynull && echo wrote"); !strings.HasPrefix(got, "crw") || !strings.Contains(got, "1,   3") || !strings.HasSuffix(got, "wrote") {
		t.Errorf("--device /dev/null:/dev/mynull: %q", got)
	}
	got := run("--add-host", "db:10.1.2.3", "--dns", "10.213.0.1", "--dns-search", "example.test", "--dns-option", "ndots:2", "busybox", "cat", "/etc/hosts", "/etc/resolv.conf")
	for _, want := range []string{"10.1.2.3\tdb\n", "nameserver 10.213.0.1\n", "search example.test\n", "options ndots:2"} {
		if !strings.Contains(got, want) {
			t.Errorf("--add-host/--dns*: no %q in\n%s", want, got)
		}
	}
	before := ok(t, "ps", "-aq", "--filter", "name="+name(t, ""))
	for _, bad := range []struct{ args, msg string }{
		{"--ulimit nofile=1:99999999", "above the hard limit berth runs with"},
		{"--ulimit nofile=9:3", "soft limit must be less than or equal to hard limit"},
		{"--ulimit nofiles=1", "invalid ulimit type"},
		{"--cpuset-cpus 4096", "is not available on this host"},
		{"-m 16m --memory-reservation 32m", "memory reservation"},
		{"--sysctl kernel.hostname=x", "not namespaced"},
		{"--network host --sysctl net.ipv4.ip_forward=1", "sharing another network namespace"},
		{"--device /dev/nonexist", "/dev/nonexist"},
		{"--dns bogus", "bogus is not an ip address"},
		{"--add-host nocolon", "want HOST:IP"},
		{"--cpu-shares 1", "between 2 and 262144"},
	} {
		fails(t, 125, []string{bad.msg}, append(append([]string{"create", "--name", name(t, "bad")}, strings.Fields(bad.args)...), "busybox")...)
	}
	if after := ok(t, "ps", "-aq", "--filter", "name="+name(t, "")); after != before {
		t.Errorf("bad flags left containers: %q", after)
	}
}

// cgroupV1 reports whether the host runs the v1 controllers (this host's
// hybrid mode), where the cgroup files above are.
func cgroupV1() bool {
	_, err := os.Stat("/sys/fs/cgroup/cpu/cpu.shares")
	return err == nil
}

// TestRunAttachStreams: run -a names the streams the caller sees.
func TestRunAttachStreams(t *testing.T) {
	t.Parallel()
	sh := []string{"busybox", "sh", "-c", "echo out; echo err >&2"}
	if r := berth(t, append([]string{"run", "--rm", "-a", "stderr"}, sh...)...); r.code != 0 || r.stdout != "" || r.stderr != "err\n" {
		t.Errorf("run -a stderr: %v", r)
	}
	if r := berth(t, append([]string{"run", "--rm", "-a", "STDOUT"}, sh...)...); r.code != 0 || r.stdout != "out\n" || r.stderr != "" {
		t.Errorf("run -a STDOUT: %v", r)
	}
	if r := berth(t, append([]string{"run", "--rm", "-a", "stdout", "-a", "stderr"}, sh...)...); r.stdout != "out\n" || r.stderr != "err\n" {
		t.Errorf("run -a stdout -a stderr: %v", r)
	}
	fails(t, 125, []string{"cannot specify both --attach and --detach"}, "run", "-d", "-a", "stdout", "busybox", "true")
	fails(t, 125, []string{"valid streams are STDIN, STDOUT and STDERR"}, "run", "--rm", "-a", "stdlog", "busybox", "true")
}
