package integration

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const composeApp = `services:
  db:
    image: busybox
    command: sh -c 'echo db up; touch /data/ready; sleep 300'
    environment:
      ROLE: ${ROLE:-primary}
    volumes:
      - dbdata:/data
    healthcheck:
      test: ["CMD", "test", "-e", "/data/ready"]
      interval: 200ms
      retries: 50
  web:
    build: ./web
    ports:
      - "127.0.0.1:%s:80"
    depends_on:
      db:
        condition: service_healthy
    links:
      - db:database
  worker:
    image: busybox
    command: sh -c 'while true; do echo tick; sleep 1; done'
    deploy:
      replicas: 2
volumes:
  dbdata:
`

// TestComposeApplication: the tutorials' shape, offline: a service built
// from a local Dockerfile, one from an image with a named volume and a
// health check gating the first, links, replicas, a published port; up is
// idempotent and recreates only what changed; data survives down and
// comes back; down -v removes it; orphans are named, then removed.
func TestComposeApplication(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	port := strings.Split(freePort(t), ":")[1]
	writeFile(t, filepath.Join(dir, "compose.yaml"), fmt.Sprintf(composeApp, port))
	writeFile(t, filepath.Join(dir, ".env"), "ROLE=replica\n")
	os.MkdirAll(filepath.Join(dir, "web"), 0o755)
	writeFile(t, filepath.Join(dir, "web", "Dockerfile"), "FROM busybox\nRUN mkdir /www && echo hello-from-web > /www/index.html\nCMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/www\"]\n")
	c, okc := composeOn(t, store, filepath.Join(dir, "compose.yaml"), "app")
	t.Cleanup(func() { c("down", "-v", "-t", "0") })
	ids := func() map[string]string {
		out := map[string]string{}
		for _, l := range strings.Split(okc("ps", "--format", "{{.Name}} {{.ID}}"), "\n") {
			if n, id, ok := strings.Cut(l, " "); ok {
				out[n] = id
			}
		}
		return out
	}

	if r := c("up", "-d"); r.code != 0 || !strings.Contains(r.stderr, "Container app-web-1  Started") {
		t.Fatalf("up -d: %v", r)
	}
	first := ids()
	for _, n := range []string{"app-db-1", "app-web-1", "app-worker-1", "app-worker-2"} {
		if first[n] == "" {
			t.Errorf("up -d: no running %s in %v", n, first)
		}
	}
	resp, err := http.Get("http://127.0.0.1:" + port + "/")
	if err != nil {
		t.Fatalf("the published port: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello-from-web\n" {
		t.Errorf("web answers %q", body)
	}
	if health := okAt(t, store, "inspect", "-f", "{{.State.Health.Status}}", "app-db-1"); health != "healthy" {
		t.Errorf("web started while db was %s (depends_on service_healthy)", health)
	}
	if env := okc("exec", "-T", "db", "sh", "-c", "echo $ROLE"); env != "replica" {
		t.Errorf(".env interpolation: ROLE=%q", env)
	}
	if hosts := okc("exec", "-T", "web", "cat", "/etc/hosts"); !strings.Contains(hosts, "database") {
		t.Errorf("links: db:database missing from web's /etc/hosts:\n%s", hosts)
	}
	if got := okAt(t, store, "ps", "--filter", "label=com.docker.compose.service=worker", "--format", "{{.Names}}"); !strings.Contains(got, "app-worker-2") {
		t.Errorf("docker's compose labels: %q", got)
	}
	eventually(t, 10*time.Second, "worker logs", func() bool { return strings.Contains(okc("logs", "worker"), "app-worker-1  | tick") })

	// Unchanged: nothing recreated.
	if r := c("up", "-d"); r.code != 0 || strings.Contains(r.stderr, "Created") {
		t.Errorf("a second up changed something: %v", r)
	}
	if again := ids(); again["app-db-1"] != first["app-db-1"] || again["app-worker-1"] != first["app-worker-1"] {
		t.Errorf("a second up recreated containers: %v, was %v", again, first)
	}
	// A changed service alone is recreated, and scaled down.
	writeFile(t, filepath.Join(dir, "compose.yaml"), strings.Replace(fmt.Sprintf(composeApp, port), "echo tick", "echo tock", 1))
	okc("up", "-d", "--scale", "worker=1")
	changed := ids()
	if changed["app-db-1"] != first["app-db-1"] || changed["app-web-1"] != first["app-web-1"] {
		t.Errorf("unchanged services recreated: %v, was %v", changed, first)
	}
	if changed["app-worker-1"] == first["app-worker-1"] || changed["app-worker-2"] != "" {
		t.Errorf("the changed worker: %v, was %v", changed, first)
	}

	// Data in a named volume outlives down, and -v removes it.
	okc("exec", "-T", "db", "sh", "-c", "echo kept > /data/f")
	okc("down", "-t", "0")
	if out := okAt(t, store, "ps", "-aq"); out != "" {
		t.Errorf("down left containers: %q", out)
	}
	okc("up", "-d", "db")
	if got := okc("exec", "-T", "db", "cat", "/data/f"); got != "kept" {
		t.Errorf("the volume's data after down and up: %q", got)
	}

	// An orphan is named, then removed with --remove-orphans.
	writeFile(t, filepath.Join(dir, "compose.yaml"), "services:\n  solo:\n    image: busybox\n    command: sleep 300\nvolumes:\n  dbdata:\n")
	if r := c("up", "-d"); r.code != 0 || !strings.Contains(r.stderr, "Found orphan containers ([app-db-1])") {
		t.Errorf("up with an orphan: %v", r)
	}
	okc("up", "-d", "--remove-orphans")
	if got := okAt(t, store, "ps", "-a", "--format", "{{.Names}}"); got != "app-solo-1" {
		t.Errorf("after --remove-orphans: %q", got)
	}
	okc("down", "-v", "-t", "0")
	if vols := okAt(t, store, "volume", "ls", "-q"); strings.Contains(vols, "app_dbdata") {
		t.Errorf("down -v left the volume: %q", vols)
	}
	if nets := okAt(t, store, "network", "ls", "--format", "{{.Name}}"); strings.Contains(nets, "app_default") {
		t.Errorf("down left the network: %q", nets)
	}
}

// TestComposeBadInput: one clear line for each broken project.
func TestComposeBadInput(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	for _, tc := range []struct{ name, file, verb, want string }{
		{"cycle", "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n", "up", "cycle"},
		{"unknown service", "services:\n  a:\n    image: busybox\n", "up nosuch", "no such service: nosuch"},
		{"invalid yaml", "services:\n  a: [\n", "up", "yaml"},
		{"unknown field", "services:\n  a:\n    image: busybox\n    colour: blue\n", "up", "colour"},
		{"failing build", "services:\n  a:\n    build:\n      context: .\n      dockerfile_inline: \"FROM busybox\\nRUN exit 3\\n\"\n", "up", `service "a": building bad-a`},
		{"pull never", "services:\n  a:\n    image: nosuch.invalid/app:1\n", "up --pull never", `service "a": image "nosuch.invalid/app:1": not found (pull_policy: never)`},
		{"pull sometimes", "services:\n  a:\n    image: busybox\n", "up --pull sometimes", `--pull "sometimes": must be always, missing or never`},
		{"undeclared volume", "services:\n  a:\n    image: busybox\n    volumes: [nope:/x]\n", "up", "nope"},
	} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "compose.yaml"), tc.file)
		args := append([]string{"compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "bad"}, strings.Fields(tc.verb)...)
		r := at(t, store, "", "", append(args, "-d")...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: want an error with %q: %v", tc.name, tc.want, r)
		}
		at(t, store, "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "bad", "down", "-t", "0")
	}
}

// TestComposeConfig: config prints the model compose-go resolved: several
// files merged, extends, profiles, interpolation and defaults.
func TestComposeConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "compose.yaml"), "name: cfg\nservices:\n  base:\n    image: busybox\n    environment:\n      GREETING: ${GREETING:-hi}\n  app:\n    extends: base\n    command: echo app\n  debug:\n    image: busybox\n    profiles: [debug]\n")
	writeFile(t, filepath.Join(dir, "override.yaml"), "services:\n  app:\n    ports: [\"127.0.0.1:8081:80\"]\n")
	r := at(t, tempStore(t), "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "-f", filepath.Join(dir, "override.yaml"), "config")
	if r.code != 0 {
		t.Fatalf("config: %v", r)
	}
	for _, want := range []string{"name: cfg", "  app:", "GREETING: hi", "published: \"8081\"", "host_ip: 127.0.0.1", "      - echo\n      - app"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "  debug:") {
		t.Errorf("config lists a service of a profile not enabled:\n%s", r.stdout)
	}
	r = at(t, tempStore(t), "", "", "compose", "-f", filepath.Join(dir, "compose.yaml"), "--profile", "debug", "config", "--services")
	if got := strings.Fields(r.stdout); r.code != 0 || len(got) != 3 {
		t.Errorf("config --services with --profile debug: %v", r)
	}
}

// composeOn runs `berth compose -f file -p project` on store: c returns
// the result, okc fails the test unless it succeeds and returns stdout.
func composeOn(t *testing.T, store, file, project string) (c func(...string) result, okc func(...string) string) {
	c = func(args ...string) result {
		return at(t, store, "", "", append([]string{"compose", "-f", file, "-p", project}, args...)...)
	}
	okc = func(args ...string) string {
		t.Helper()
		r := c(args...)
		if r.code != 0 {
			t.Fatalf("compose %v: %v", args, r)
		}
		return strings.TrimSpace(r.stdout)
	}
	return c, okc
}
