package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const composeLogsApp = `services:
  talker:
    image: busybox
    command: sh -c 'echo first; sleep 3; echo second; echo oops >&2; exit 3'
  web:
    image: busybox
    command: httpd -f -p 80
    ports: ["127.0.0.1:%s:80"]
    depends_on: [db]
    healthcheck:
      test: ["CMD", "true"]
      interval: 200ms
  db:
    image: busybox
    command: sleep 300
`

// composePsJSON is a line of docker compose ps --format json, with the
// fields tools read from it.
type composePsJSON struct {
	ID, Name, Image, Command, Project, Service, State, Health string
	ExitCode                                                  int
	Publishers                                                []struct {
		URL           string
		TargetPort    int
		PublishedPort int
		Protocol      string
	}
}

// TestComposeLogsPsExec: logs -f follows until the service ends, lines
// prefixed "name  | " without colour off a terminal, -t with docker's
// timestamps, --tail N; ps --format json with docker compose's fields,
// table and template formats; exec -d leaves its command running;
// --force-recreate recreates the service named and not its dependency;
// --no-deps starts a service without its dependencies.
func TestComposeLogsPsExec(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	port := strings.Split(freePort(t), ":")[1]
	file := filepath.Join(dir, "compose.yaml")
	writeFile(t, file, fmt.Sprintf(composeLogsApp, port))
	c, okc := composeOn(t, store, file, "lg")
	t.Cleanup(func() { c("down", "-t", "0") })

	okc("up", "-d")
	r := c("logs", "-f", "talker")
	if r.code != 0 || r.stdout != "lg-talker-1  | first\nlg-talker-1  | second\n" || r.stderr != "lg-talker-1  | oops\n" {
		t.Errorf("logs -f talker (until it exits; stderr apart; no colour): %v", r)
	}
	stamped := regexp.MustCompile(`^lg-talker-1  \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (first|second)$`)
	for _, l := range strings.Split(okc("logs", "-t", "talker"), "\n") {
		if !stamped.MatchString(l) {
			t.Errorf("logs -t: %q is not docker's timestamped line", l)
		}
	}
	if r := c("logs", "--tail", "2", "talker"); r.stdout != "lg-talker-1  | second\n" || r.stderr != "lg-talker-1  | oops\n" {
		t.Errorf("logs --tail 2: %v", r)
	}

	eventually(t, 20*time.Second, "web healthy", func() bool {
		return okAt(t, store, "inspect", "-f", "{{.State.Health.Status}}", "lg-web-1") == "healthy"
	})
	rows := map[string]composePsJSON{}
	for _, l := range strings.Split(okc("ps", "-a", "--format", "json"), "\n") {
		var row composePsJSON
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("ps --format json: %q: %v", l, err)
		}
		rows[row.Service] = row
	}
	talker, web := rows["talker"], rows["web"]
	if talker.Name != "lg-talker-1" || talker.Project != "lg" || talker.State != "exited" || talker.ExitCode != 3 || talker.Image != "busybox" || len(talker.ID) != 12 {
		t.Errorf("ps json, talker: %+v", talker)
	}
	if len(web.Publishers) != 1 || web.Health != "healthy" || web.State != "running" || !strings.HasPrefix(web.Command, `"httpd`) {
		t.Fatalf("ps json, web: %+v", web)
	}
	if p := web.Publishers[0]; p.URL != "127.0.0.1" || p.TargetPort != 80 || strconv.Itoa(p.PublishedPort) != port || p.Protocol != "tcp" {
		t.Errorf("ps json, web's Publishers: %+v", web.Publishers)
	}
	if got := okc("ps", "--format", "table {{.Service}}\t{{.Health}}", "web"); !regexp.MustCompile(`^SERVICE\s+HEALTH\nweb\s+healthy$`).MatchString(got) {
		t.Errorf("ps --format table: %q", got)
	}
	if got := okc("ps", "-a", "--format", "{{.Name}} {{.ExitCode}}", "talker"); got != "lg-talker-1 3" {
		t.Errorf("ps --format template: %q", got)
	}

	okc("exec", "-d", "db", "sh", "-c", "echo $$ > /tmp/pid; exec sleep 300")
	eventually(t, 10*time.Second, "exec -d's process", func() bool {
		return c("exec", "-T", "db", "sh", "-c", "kill -0 $(cat /tmp/pid)").code == 0
	})

	id := func(svc string) string { return okc("ps", "-q", svc) }
	db, webID := id("db"), id("web")
	if r := c("up", "-d", "--force-recreate", "web"); r.code != 0 || !strings.Contains(r.stderr, "Container lg-web-1  Recreate") {
		t.Fatalf("up --force-recreate web: %v", r)
	}
	if id("web") == webID || id("db") != db {
		t.Errorf("--force-recreate web: web %s (was %s), db %s (was %s)", id("web"), webID, id("db"), db)
	}
	okc("down", "-t", "0")
	okc("up", "-d", "--no-deps", "web")
	if got := okc("ps", "-a", "--format", "{{.Service}}"); got != "web" {
		t.Errorf("up --no-deps web started %q", got)
	}
}

// TestComposeDependencyFails: a dependency that exits non-zero or turns
// unhealthy stops up with docker compose's error, and the dependant is
// not created.
func TestComposeDependencyFails(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	file := filepath.Join(t.TempDir(), "compose.yaml")
	writeFile(t, file, `services:
  migrate:
    image: busybox
    command: sh -c 'exit 3'
  app:
    image: busybox
    command: sleep 300
    depends_on:
      migrate: {condition: service_completed_successfully}
  sick:
    image: busybox
    command: sleep 300
    healthcheck: {test: ["CMD", "false"], interval: 200ms, retries: 2}
  needy:
    image: busybox
    command: sleep 300
    depends_on:
      sick: {condition: service_healthy}
`)
	c, okc := composeOn(t, store, file, "df")
	t.Cleanup(func() { c("down", "-t", "0") })
	for _, tc := range []struct{ svc, want string }{
		{"app", `service "migrate" didn't complete successfully: exit 3`},
		{"needy", "dependency failed to start: container df-sick-1 is unhealthy"},
	} {
		if r := c("up", "-d", tc.svc); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("up %s: want %q: %v", tc.svc, tc.want, r)
		}
		if got := okc("ps", "-a", "--format", "{{.Service}}", tc.svc); got != "" {
			t.Errorf("up %s with a failed dependency created %q", tc.svc, got)
		}
	}
}

// TestComposeConfigModel: config prints what docker compose config
// prints: env_file read into environment and dropped, and only the
// networks and volumes of the services shown.
func TestComposeConfigModel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.env"), "FROM_FILE=1\n")
	writeFile(t, filepath.Join(dir, "compose.yaml"), "name: cm\nservices:\n  web:\n    image: busybox\n    env_file: [a.env]\n    networks: [front]\n  other:\n    image: busybox\n    networks: [back]\n    volumes: [data:/d]\nnetworks:\n  front: {}\n  back: {}\nvolumes:\n  data: {}\n")
	r := at(t, tempStore(t), "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "config", "web")
	want := "name: cm\nservices:\n  web:\n    environment:\n      FROM_FILE: \"1\"\n    image: busybox\n    networks:\n      front: null\nnetworks:\n  front:\n    name: cm_front\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("config web = %v\nwant:\n%s", r, want)
	}
	writeFile(t, filepath.Join(dir, "compose.yaml"), "name: cm\nservices:\n  web:\n    image: busybox\n  built:\n    build: .\n  dbg:\n    image: busybox:dbg\n    profiles: [debug]\n")
	for flag, want := range map[string]string{"--images": "cm-built\nbusybox\n", "--profiles": "debug\n", "--networks": "default\n"} {
		if r := at(t, tempStore(t), "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "config", flag); r.code != 0 || r.stdout != want {
			t.Errorf("config %s = %v, want %q", flag, r, want)
		}
	}
	out := filepath.Join(dir, "out.yaml")
	if r := at(t, tempStore(t), "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "config", "-o", out); r.code != 0 || r.stdout != "" {
		t.Errorf("config -o: %v", r)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "  built:\n") {
		t.Errorf("config -o wrote %q, %v", b, err)
	}
}

// TestComposeUpAttached: up without -d prints the services' output until
// they end, each end reported; --exit-code-from stops the others when
// one ends and exits with that service's status.
func TestComposeUpAttached(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	file := filepath.Join(t.TempDir(), "compose.yaml")
	writeFile(t, file, "services:\n  job:\n    image: busybox\n    command: sh -c 'echo from-job; exit 4'\n  side:\n    image: busybox\n    command: sleep 300\n")
	c, _ := composeOn(t, store, file, "at")
	t.Cleanup(func() { c("down", "-t", "0") })

	if r := c("up", "job"); r.code != 0 || !strings.Contains(r.stdout, "at-job-1  | from-job\n") || !strings.Contains(r.stdout, "at-job-1 exited with code 4\n") {
		t.Errorf("up job (attached, until it ends): %v", r)
	}
	r := c("up", "-t", "0", "--exit-code-from", "job")
	if r.code != 4 || !strings.Contains(r.stdout, "at-job-1   | from-job\n") || !strings.Contains(r.stderr, "Aborting on container exit") {
		t.Errorf("up --exit-code-from job: %v", r)
	}
	if st := okAt(t, store, "inspect", "-f", "{{.State.Status}}", "at-side-1"); st != "exited" {
		t.Errorf("after up --exit-code-from job, side is %q", st)
	}
	if r := c("up", "--no-log-prefix", "job"); r.code != 0 || !strings.HasPrefix(r.stdout, "from-job\n") {
		t.Errorf("up --no-log-prefix job: %v", r)
	}
	stamped := regexp.MustCompile(`(?m)^at-job-1  \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z from-job$`)
	if r := c("up", "--timestamps", "job"); r.code != 0 || !stamped.MatchString(r.stdout) {
		t.Errorf("up --timestamps job: %v", r)
	}
	if r := c("up", "-d", "--abort-on-container-exit"); r.code == 0 {
		t.Errorf("up -d --abort-on-container-exit succeeded: %v", r)
	}
}

// TestComposeCreateScaleWait: create makes containers and starts none;
// --no-recreate keeps a changed container, --always-recreate-deps
// recreates the dependency of the service named; scale sets replicas;
// wait returns the service's exit status.
func TestComposeCreateScaleWait(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	file := filepath.Join(t.TempDir(), "compose.yaml")
	app := "services:\n  w:\n    image: busybox\n    command: sleep 300\n    depends_on: [dep]\n  dep:\n    image: busybox\n    command: sleep 300\n  job:\n    image: busybox\n    command: sh -c 'sleep 1; exit 5'\n"
	writeFile(t, file, app)
	c, okc := composeOn(t, store, file, "cs")
	t.Cleanup(func() { c("down", "-t", "0") })
	states := func() string { return okc("ps", "-a", "--format", "{{.Name}} {{.State}}") }

	okc("create")
	if got := states(); got != "cs-dep-1 created\ncs-job-1 created\ncs-w-1 created" {
		t.Errorf("after create: %q", got)
	}
	okc("up", "-d", "-t", "0")
	id := func(svc string) string { return okc("ps", "-q", svc) }
	w, dep := id("w"), id("dep")
	writeFile(t, file, strings.Replace(app, "sleep 300", "sleep 301", 1))
	if okc("up", "-d", "--no-recreate", "-t", "0"); id("w") != w {
		t.Errorf("up --no-recreate recreated the changed w")
	}
	okc("up", "-d", "--always-recreate-deps", "-t", "0", "w")
	if nw := id("w"); nw == w || id("dep") == dep {
		t.Errorf("up --always-recreate-deps w: w %s (was %s), dep %s (was %s)", nw, w, id("dep"), dep)
	}
	if r := c("up", "-d", "--no-recreate", "--force-recreate"); r.code == 0 {
		t.Errorf("--no-recreate with --force-recreate succeeded: %v", r)
	}

	okc("scale", "w=2")
	if got := okc("ps", "--format", "{{.Name}}", "w"); got != "cs-w-1\ncs-w-2" {
		t.Errorf("after scale w=2: %q", got)
	}
	job := okc("ps", "-a", "-q", "job")
	r := c("wait", "job")
	if r.code != 5 || r.stdout != fmt.Sprintf("container %q exited with status code 5\n", job) {
		t.Errorf("wait job: %v", r)
	}
}

// TestComposeRunFlags: run publishes no ports unless --service-ports or
// -p, mounts -v (relative to the project), labels -l.
func TestComposeRunFlags(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	port := strings.Split(freePort(t), ":")[1]
	other := strings.Split(freePort(t), ":")[1]
	os.MkdirAll(filepath.Join(dir, "www"), 0o755)
	os.MkdirAll(filepath.Join(dir, "extra"), 0o755)
	writeFile(t, filepath.Join(dir, "www", "index.html"), "hello-run\n")
	file := filepath.Join(dir, "compose.yaml")
	writeFile(t, file, fmt.Sprintf("services:\n  web:\n    image: busybox\n    command: httpd -f -p 80 -h /www\n    ports: [\"127.0.0.1:%s:80\"]\n    volumes: [./www:/www]\n", port))
	c, okc := composeOn(t, store, file, "rf")
	t.Cleanup(func() { c("down", "-t", "0") })
	get := func(p string) string {
		resp, err := http.Get("http://127.0.0.1:" + p + "/")
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	plain := okc("run", "-d", "web")
	if got := okAt(t, store, "port", plain); got != "" {
		t.Errorf("run without --service-ports published %q", got)
	}
	okAt(t, store, "rm", "-f", plain)
	okc("run", "-d", "--service-ports", "-l", "team=blue", "web")
	eventually(t, 10*time.Second, "--service-ports", func() bool { return get(port) == "hello-run\n" })
	if got := okAt(t, store, "ps", "--filter", "label=team=blue", "--format", "{{.Label \"com.docker.compose.oneoff\"}}"); got != "True" {
		t.Errorf("run -l team=blue: %q", got)
	}
	okc("run", "-d", "-p", "127.0.0.1:"+other+":80", "web")
	eventually(t, 10*time.Second, "-p", func() bool { return get(other) == "hello-run\n" })
	writeFile(t, filepath.Join(dir, "extra", "f"), "mounted\n")
	if got := okc("run", "--rm", "-T", "-v", "./extra:/extra:ro", "web", "cat", "/extra/f"); got != "mounted" {
		t.Errorf("run -v ./extra:/extra: %q", got)
	}
}

// TestComposeEvents: events shows the project's container events (not
// another project's) as docker compose prints them, and --json.
func TestComposeEvents(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	file := filepath.Join(t.TempDir(), "compose.yaml")
	writeFile(t, file, "services:\n  s:\n    image: busybox\n    command: sleep 300\n")
	c, okc := composeOn(t, store, file, "ev")
	t.Cleanup(func() { c("down", "-t", "0") })
	oc, _ := composeOn(t, store, file, "notev")
	t.Cleanup(func() { oc("down", "-t", "0") })
	okc("up", "-d")
	oc("up", "-d")
	id := okc("ps", "-q", "--no-trunc", "s")
	text := okc("events", "--since", "10m", "--until", "0s")
	start := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} container start ` + id + ` \(image=busybox, name=ev-s-1\)$`)
	if !start.MatchString(text) || strings.Contains(text, "notev") {
		t.Errorf("events:\n%s", text)
	}
	var ev struct{ Action, ID, Service string }
	for _, l := range strings.Split(okc("events", "--json", "--since", "10m", "--until", "0s"), "\n") {
		var e struct {
			Action, ID, Service string
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("events --json: %q: %v", l, err)
		}
		if e.Action == "start" {
			ev = e
		}
	}
	if ev.ID != id || ev.Service != "s" {
		t.Errorf("events --json, start: %+v", ev)
	}
}

// TestComposeCp: cp to a service reaches each of its replicas, cp from
// it reads the one --index names (the first by default).
func TestComposeCp(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	writeFile(t, file, "services:\n  s:\n    image: busybox\n    command: sleep 300\n    deploy: {replicas: 2}\n")
	c, okc := composeOn(t, store, file, "cp")
	t.Cleanup(func() { c("down", "-t", "0") })
	okc("up", "-d")
	writeFile(t, filepath.Join(dir, "f"), "copied\n")
	okc("cp", filepath.Join(dir, "f"), "s:/tmp/f")
	for _, i := range []string{"1", "2"} {
		if got := okc("exec", "-T", "--index", i, "s", "cat", "/tmp/f"); got != "copied" {
			t.Errorf("cp to s: replica %s has %q", i, got)
		}
	}
	okc("exec", "-T", "--index", "2", "s", "sh", "-c", "echo two > /tmp/g")
	okc("cp", "--index", "2", "s:/tmp/g", filepath.Join(dir, "g"))
	if b, err := os.ReadFile(filepath.Join(dir, "g")); err != nil || string(b) != "two\n" {
		t.Errorf("cp --index 2 s:/tmp/g: %q, %v", b, err)
	}
	if r := c("cp", "s:/tmp/g", filepath.Join(dir, "h")); r.code == 0 {
		t.Errorf("cp from replica 1, which lacks the file, succeeded: %v", r)
	}
}
