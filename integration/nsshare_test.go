package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// nsLink is the namespace a process is in, as /proc/PID/ns/KIND names it.
func nsLink(t *testing.T, pid, kind string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%s/ns/%s", pid, kind))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestNamespaceSharing: --pid, --network and --ipc container:NAME join the
// target's namespaces (the same inodes, and `inspect --namespaces` lists the
// joiner as sharing them), --ipc shares the target's /dev/shm, and the
// host modes use the host's.
func TestNamespaceSharing(t *testing.T) {
	t.Parallel()
	target, joiner := name(t, "target"), name(t, "joiner")
	cleanup(t, target, joiner)
	ok(t, "run", "-d", "--name", target, "--hostname", "web", "--ipc", "shareable", "busybox",
		"sh", "-c", "echo posix-shm > /dev/shm/note; exec sleep 300")
	ok(t, "run", "-d", "--name", joiner, "--pid", "container:"+target, "--network", "container:"+target,
		"--ipc", "container:"+target, "busybox", "sleep", "300")
	tp, jp := inspectField(t, target, "{{.State.Pid}}"), inspectField(t, joiner, "{{.State.Pid}}")
	for _, kind := range []string{"pid", "net", "ipc"} {
		if a, b := nsLink(t, tp, kind), nsLink(t, jp, kind); a != b {
			t.Errorf("%s namespace: target %s, joiner %s", kind, a, b)
		}
	}
	if a, b := nsLink(t, tp, "mnt"), nsLink(t, jp, "mnt"); a == b {
		t.Errorf("mount namespace shared: %s", a)
	}

	var ns []struct {
		Type       string   `json:"type"`
		SharedWith []string `json:"sharedWith"`
	}
	out := ok(t, "inspect", "--namespaces", "--json", target)
	var all [][]struct {
		Type       string   `json:"type"`
		SharedWith []string `json:"sharedWith"`
	}
	if err := json.Unmarshal([]byte(out), &all); err != nil || len(all) != 1 {
		t.Fatalf("inspect --namespaces --json: %v: %s", err, out)
	}
	ns = all[0]
	shared := map[string]bool{}
	for _, n := range ns {
		for _, w := range n.SharedWith {
			if w == joiner {
				shared[n.Type] = true
			}
		}
	}
	for _, kind := range []string{"pid", "net", "ipc"} {
		if !shared[kind] {
			t.Errorf("inspect --namespaces: %s not listed as shared with %s: %s", kind, joiner, out)
		}
	}
	if shared["mnt"] || shared["uts"] {
		t.Errorf("inspect --namespaces: mnt or uts listed as shared: %s", out)
	}

	// Through the joiner: the target's processes, its host name, its shm.
	got := ok(t, "exec", joiner, "sh", "-c", "ps -o comm; hostname; cat /dev/shm/note")
	for _, want := range []string{"sh\n", "sleep", "web", "posix-shm"} {
		if !strings.Contains(got, want) {
			t.Errorf("in the joiner: %q lacks %q", got, want)
		}
	}
	if got := inspectField(t, joiner, "{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}}"); !strings.HasPrefix(got, "container:") {
		t.Errorf("HostConfig modes: %q", got)
	}

	// Host modes.
	self := fmt.Sprint(os.Getpid())
	hostNS := ok(t, "run", "--rm", "--pid", "host", "--ipc", "host", "--uts", "host", "busybox", "sh", "-c",
		"readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts")
	if want := nsLink(t, self, "pid") + "\n" + nsLink(t, self, "ipc") + "\n" + nsLink(t, self, "uts"); hostNS != want {
		t.Errorf("host modes: %q, want %q", hostNS, want)
	}
}

// TestNamespaceSharingBadInput: one line each, exit 125, nothing created.
func TestNamespaceSharingBadInput(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	ok(t, "--root", root, "bootstrap")
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	private, stopped := "private", "stopped"
	ok(t, b("run", "-d", "--name", private, "busybox", "sleep", "300")...)
	t.Cleanup(func() { berth(t, b("rm", "-f", private)...) })
	ok(t, b("create", "--name", stopped, "busybox", "true")...)
	before := ok(t, b("ps", "-aq")...)
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--pid", "container:no-such-ctr"}, `"no-such-ctr": not found`},
		{[]string{"--pid", "bogus"}, `--pid "bogus": invalid mode`},
		{[]string{"--ipc", "sometimes"}, `--ipc "sometimes": invalid mode`},
		{[]string{"--uts", "private-ish"}, `--uts "private-ish": invalid mode`},
		{[]string{"--hostname", "x", "--network", "container:" + private}, "conflicting options: --hostname"},
		{[]string{"--ipc", "container:" + private}, "not shareable"},
		{[]string{"--pid", "container:" + stopped}, "it is not running"},
	}
	for _, c := range cases {
		args := append(append([]string{"run", "--rm"}, c.args...), "busybox", "true")
		fails(t, 125, []string{c.msg}, b(args...)...)
	}
	if after := ok(t, b("ps", "-aq")...); after != before {
		t.Errorf("containers left behind:\nbefore %q\nafter  %q", before, after)
	}
}

// TestDebugRunningSidecar: `berth debug` on a running container starts a
// toolbox shell in its pid, net, ipc and uts namespaces, through a real
// terminal: the target's processes are visible, its pid, net and ipc
// namespaces are the sidecar's, and its file system is at
// /proc/1/root. The sidecar is gone after the shell exits.
func TestDebugRunningSidecar(t *testing.T) {
	t.Parallel()
	target := name(t, "target")
	cleanup(t, target)
	ok(t, "run", "-d", "--name", target, "--hostname", "app", "busybox", "sh", "-c", "echo in-target > /state.txt; exec sleep 300")
	eventually(t, 5*time.Second, "the target's file", func() bool {
		return berth(t, "exec", target, "cat", "/state.txt").code == 0
	})
	cmd := exec.Command(berthBin, "--root", storeRoot, "debug", target)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out syncBuffer
	go io.Copy(&out, ptmx)
	eventually(t, 15*time.Second, "a shell prompt", func() bool { return strings.Contains(out.String(), "#") })
	io.WriteString(ptmx, `ps -o pid,comm | grep -q "1 sleep" && echo "sees-""target"; cat /proc/1/root/state.txt; echo "host=$(hostname)"; for n in pid net ipc; do echo "ns=$(readlink /proc/self/ns/$n)"; done; exit 5`+"\r")
	if err := waitTimeout(cmd, 15*time.Second); err == nil || cmd.ProcessState.ExitCode() != 5 {
		t.Fatalf("debug: exit %v, output %q", err, out.String())
	}
	tp := inspectField(t, target, "{{.State.Pid}}")
	for _, want := range []string{"sees-target", "in-target", "host=app",
		"ns=" + nsLink(t, tp, "pid"), "ns=" + nsLink(t, tp, "net"), "ns=" + nsLink(t, tp, "ipc")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("sidecar output lacks %q: %q", want, out.String())
		}
	}
	if names := ok(t, "ps", "-a", "--format", "{{.Names}}"); strings.Contains(names, target+"-debug") {
		t.Errorf("sidecar left behind: %s", names)
	}
	if got := inspectField(t, target, "{{.State.Status}}"); got != "running" {
		t.Errorf("target after debug: %s", got)
	}
	fails(t, 1, []string{"toolbox", "no-such-toolbox"}, "debug", "--image", "no-such-toolbox", target)
}
