package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const composeVerbsApp = `include:
  - inc.yaml
services:
  init:
    image: busybox
    command: sh -c 'echo migrated > /shared/done'
    volumes: [shared:/shared]
  app:
    build: ./app
    ports: ["127.0.0.1:%s:80"]
    depends_on:
      init: {condition: service_completed_successfully}
      cache: {condition: service_started}
    volumes: [shared:/shared]
    command: sh -c 'cat /shared/done; exec httpd -f -p 80 -h /'
  flaky:
    image: busybox
    command: sh -c 'echo try; exit 1'
    restart: on-failure
    profiles: [flaky]
volumes:
  shared:
`

// TestComposeVerbs: the verbs beside up/down on one project: include,
// depends_on service_completed_successfully and service_started, up
// --wait, logs prefixed by the container, ls, port, images, top, run
// --rm, a restart policy behind a profile, and down --rmi local.
func TestComposeVerbs(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	port := strings.Split(freePort(t), ":")[1]
	writeFile(t, filepath.Join(dir, "compose.yaml"), fmt.Sprintf(composeVerbsApp, port))
	writeFile(t, filepath.Join(dir, "inc.yaml"), "services:\n  cache:\n    image: busybox\n    command: sleep 300\n")
	os.MkdirAll(filepath.Join(dir, "app"), 0o755)
	writeFile(t, filepath.Join(dir, "app", "Dockerfile"), "FROM busybox\nRUN echo built > /built\n")
	c, okc := composeOn(t, store, filepath.Join(dir, "compose.yaml"), "vb")
	t.Cleanup(func() { c("--profile", "flaky", "down", "-v", "-t", "0", "--rmi", "local") })

	okc("up", "-d", "--wait", "--pull", "never")
	if st := okAt(t, store, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "vb-init-1"); st != "exited 0" {
		t.Errorf("init after up --wait: %q", st)
	}
	for _, n := range []string{"vb-app-1", "vb-cache-1"} {
		if st := okAt(t, store, "inspect", "-f", "{{.State.Status}}", n); st != "running" {
			t.Errorf("%s after up --wait (include, service_started): %q", n, st)
		}
	}
	// app started only after init completed: it printed init's file.
	eventually(t, 10*time.Second, "app's log", func() bool { return strings.Contains(okc("logs", "app"), "vb-app-1  | migrated") })
	if got := okc("ls"); !strings.Contains(got, "vb") || !strings.Contains(got, "running") {
		t.Errorf("ls: %q", got)
	}
	if got := okc("port", "app", "80"); got != "127.0.0.1:"+port {
		t.Errorf("port app 80 = %q, want 127.0.0.1:%s", got, port)
	}
	if r := c("port", "app", "81"); r.code == 0 {
		t.Errorf("port app 81 (not published) succeeded: %v", r)
	}
	if got := okc("images"); !strings.Contains(got, "vb-app-1") || !strings.Contains(got, "vb-cache-1") || !strings.Contains(got, "busybox") {
		t.Errorf("images:\n%s", got)
	}
	if got := okc("top", "cache"); !strings.Contains(got, "vb-cache-1") || !strings.Contains(got, "sleep 300") {
		t.Errorf("top cache:\n%s", got)
	}
	before := okAt(t, store, "ps", "-aq")
	if got := okc("run", "--rm", "-T", "--no-deps", "app", "cat", "/built", "/shared/done"); got != "built\nmigrated" {
		t.Errorf("run --rm app: %q", got)
	}
	if after := okAt(t, store, "ps", "-aq"); after != before {
		t.Errorf("run --rm left a container: %q, was %q", after, before)
	}

	// A restart policy: the shim starts the failing service again.
	r := at(t, store, "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "vb", "--profile", "flaky", "up", "-d", "--pull", "never", "--no-deps", "flaky")
	if r.code != 0 {
		t.Fatalf("up flaky: %v", r)
	}
	eventually(t, 30*time.Second, "flaky restarted", func() bool {
		n, _ := strconv.Atoi(okAt(t, store, "inspect", "-f", "{{.RestartCount}}", "vb-flaky-1"))
		return n >= 2
	})

	// down --rmi local removes the image built for the project, not busybox.
	images := func() string { return okAt(t, store, "images", "--format", "{{.Repository}}") }
	if !strings.Contains(images(), "vb-app") {
		t.Fatalf("the built image is missing before down: %q", images())
	}
	okc("--profile", "flaky", "down", "-t", "0", "--rmi", "local")
	if got := images(); strings.Contains(got, "vb-app") || !strings.Contains(got, "busybox") {
		t.Errorf("images after down --rmi local: %q", got)
	}
	if got := okc("ls", "-a"); strings.Contains(got, "vb") {
		t.Errorf("ls -a after down: %q", got)
	}
}

// TestComposeLifecycleVerbs: stop, start, restart, pause, unpause, kill
// and rm act on the project's containers, and logs --tail and --env-file
// read what they name.
func TestComposeLifecycleVerbs(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "compose.yaml"), "services:\n  s:\n    image: busybox\n    command: sh -c 'echo one; echo two; echo $$WORD; exec sleep 300'\n    environment:\n      - WORD=${WORD:-unset}\n")
	writeFile(t, filepath.Join(dir, "words.env"), "WORD=three\n")
	okc := func(args ...string) string {
		t.Helper()
		r := at(t, store, "", "", append([]string{"compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "lc", "--env-file", filepath.Join(dir, "words.env")}, args...)...)
		if r.code != 0 {
			t.Fatalf("compose %v: %v", args, r)
		}
		return strings.TrimSpace(r.stdout)
	}
	t.Cleanup(func() {
		at(t, store, "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "lc", "down", "-t", "0")
	})
	status := func() string { return okAt(t, store, "inspect", "-f", "{{.State.Status}}", "lc-s-1") }

	okc("up", "-d", "--pull", "never")
	eventually(t, 10*time.Second, "the third line", func() bool { return strings.Contains(okc("logs", "s"), "three") })
	if got := okc("logs", "--tail", "1", "--no-log-prefix", "s"); got != "three" {
		t.Errorf("logs --tail 1 (with --env-file WORD=three): %q", got)
	}
	okc("pause")
	if st := status(); st != "paused" {
		t.Errorf("after pause: %q", st)
	}
	okc("unpause")
	if st := status(); st != "running" {
		t.Errorf("after unpause: %q", st)
	}
	okc("stop", "-t", "0")
	if st := status(); st != "exited" {
		t.Errorf("after stop: %q", st)
	}
	okc("start")
	if st := status(); st != "running" {
		t.Errorf("after start: %q", st)
	}
	pid := okAt(t, store, "inspect", "-f", "{{.State.Pid}}", "lc-s-1")
	okc("restart", "-t", "0")
	if st, now := status(), okAt(t, store, "inspect", "-f", "{{.State.Pid}}", "lc-s-1"); st != "running" || now == pid {
		t.Errorf("after restart: %q, pid %s (was %s)", st, now, pid)
	}
	okc("kill")
	if st := status(); st != "exited" {
		t.Errorf("after kill: %q", st)
	}
	okc("rm", "-f")
	if got := okAt(t, store, "ps", "-aq"); got != "" {
		t.Errorf("after rm: %q", got)
	}
}
