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
