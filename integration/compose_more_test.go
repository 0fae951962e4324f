package integration

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestComposeLogsFollowsNewContainers: compose logs -f picks up a
// replica added by `up --scale` and a `compose run` container started
// while it follows, and a replica restarted meanwhile (its new lines
// only), and ends once every followed container has stopped;
// `berth logs -t` prints docker's nine-digit UTC stamps, the same as
// `compose logs -t`.
func TestComposeLogsFollowsNewContainers(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	file := filepath.Join(t.TempDir(), "compose.yaml")
	writeFile(t, file, "services:\n  a:\n    image: busybox\n    command: sh -c 'echo up-$$HOSTNAME; exec sleep 300'\n")
	c, okc := composeOn(t, store, file, "lf")
	t.Cleanup(func() { c("down", "-t", "0") })
	okc("up", "-d")

	var out syncBuffer
	cmd := exec.Command(berthBin, "--root", store, "compose", "-f", file, "-p", "lf", "logs", "-f")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	eventually(t, 20*time.Second, "the first replica's line", func() bool { return strings.Contains(out.String(), "lf-a-1  | up-") })
	okc("up", "-d", "--scale", "a=2")
	okc("run", "-d", "a", "echo", "from-run")
	eventually(t, 20*time.Second, "the new replica's and the run container's lines", func() bool {
		s := out.String()
		return regexp.MustCompile(`(?m)^lf-a-2 +\| up-`).MatchString(s) && regexp.MustCompile(`(?m)^lf-a-run-\S+ +\| from-run$`).MatchString(s)
	})
	// A replica restarted while others keep the command going: its new
	// lines are followed, its old ones not printed again.
	a2 := regexp.MustCompile(`(?m)^lf-a-2 +\| up-`)
	okAt(t, store, "restart", "-t", "0", "lf-a-2")
	eventually(t, 20*time.Second, "the restarted replica's second start line", func() bool { return len(a2.FindAllString(out.String(), -1)) == 2 })
	if n := strings.Count(out.String(), "lf-a-1  | up-"); n != 1 {
		t.Errorf("lf-a-1's line printed %d times:\n%s", n, out.String())
	}
	okc("stop", "-t", "0")
	if err := waitTimeout(cmd, 20*time.Second); err != nil {
		t.Errorf("logs -f after every container stopped: %v\n%s", err, out.String())
	}

	stamp := regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) up-`)
	plain := okAt(t, store, "logs", "-t", "lf-a-1")
	m := stamp.FindStringSubmatch(plain)
	if m == nil {
		t.Fatalf("logs -t = %q, want docker's RFC3339NanoFixed UTC stamp", plain)
	}
	if got := okc("logs", "-t", "--no-log-prefix", "a"); !strings.Contains(got, m[1]+" up-") {
		t.Errorf("compose logs -t = %q, want the stamp %s that berth logs -t printed", got, m[1])
	}
}

// TestComposeAttachExportCommitVersion: attach reaches the --index
// replica's stdin and output; export -o writes the service container's
// file tree; commit makes an image of its changes, with -m; version
// --short and --format json.
func TestComposeAttachExportCommitVersion(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	writeFile(t, file, `services:
  cat:
    image: busybox
    stdin_open: true
    command: sh -c 'echo $$HOSTNAME > /whoami; exec cat'
`)
	c, okc := composeOn(t, store, file, "ax")
	t.Cleanup(func() { c("down", "-t", "0") })
	okc("up", "-d", "--scale", "cat=2")
	id2 := okAt(t, store, "inspect", "-f", "{{.Config.Hostname}}", "ax-cat-2")

	r := at(t, store, "", "ping-two\n", "compose", "-f", file, "-p", "ax", "attach", "--index", "2", "cat")
	if r.code != 0 || r.stdout != "ping-two\n" {
		t.Errorf("attach --index 2 cat (stdin echoed by cat, which ends at EOF): %v", r)
	}
	if st := okAt(t, store, "inspect", "-f", "{{.State.Status}}", "ax-cat-2"); st != "exited" {
		t.Errorf("ax-cat-2 after its stdin closed: %s, want exited", st)
	}
	if st := okAt(t, store, "inspect", "-f", "{{.State.Status}}", "ax-cat-1"); st != "running" {
		t.Errorf("ax-cat-1 (not attached): %s, want running", st)
	}

	tarPath := filepath.Join(dir, "two.tar")
	okc("export", "--index", "2", "-o", tarPath, "cat")
	if got := tarFile(t, tarPath, "whoami"); got != id2+"\n" {
		t.Errorf("export --index 2: /whoami = %q, want %q", got, id2+"\n")
	}

	img := okc("commit", "--index", "2", "-m", "from compose", "cat", "ax-snap:1")
	if !strings.HasPrefix(img, "sha256:") {
		t.Errorf("commit printed %q, want an image ID", img)
	}
	if got := okAt(t, store, "run", "--rm", "ax-snap:1", "cat", "/whoami"); got != id2 {
		t.Errorf("the committed image's /whoami = %q, want %q", got, id2)
	}
	if got := okAt(t, store, "image", "inspect", "-f", "{{.Comment}}", "ax-snap:1"); got != "from compose" {
		t.Errorf("commit -m: Comment = %q", got)
	}
	if r := c("commit", "--index", "3", "cat", "ax-snap:2"); r.code == 0 || !strings.Contains(r.stderr, "no container 3") {
		t.Errorf("commit --index 3 of 2 replicas: %v", r)
	}

	short := okc("version", "--short")
	var v struct{ Version string }
	if err := json.Unmarshal([]byte(okc("version", "--format", "json")), &v); err != nil || strings.TrimPrefix(v.Version, "v") != short || short == "" {
		t.Errorf("version --format json = %+v (%v), --short = %q", v, err, short)
	}
	if got := okc("version"); got != "berth compose version "+v.Version {
		t.Errorf("version = %q", got)
	}
}

// tarFile is the content of the regular file name in the tar at path.
func tarFile(t *testing.T, path, name string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s in %s: %v", name, path, err)
		}
		if strings.TrimPrefix(h.Name, "./") == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

// TestComposeBuildPullFlags: build --with-dependencies builds what the
// service depends on, --push sends the images built to a registry on
// 127.0.0.1, -q prints no progress; pull --include-deps fetches the
// dependencies too, --policy missing skips present images while always
// pulls them, a bad policy is refused, -q is silent.
func TestComposeBuildPullFlags(t *testing.T) {
	t.Parallel()
	addr, _ := berthRegistry(t, t.TempDir())
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	writeFile(t, file, strings.ReplaceAll(`services:
  base:
    image: ADDR/c4/base:1
    build: ./base
  app:
    image: ADDR/c4/app:1
    build: ./app
    depends_on: [base]
`, "ADDR", addr))
	for _, s := range []string{"base", "app"} {
		os.MkdirAll(filepath.Join(dir, s), 0o755)
		writeFile(t, filepath.Join(dir, s, "Dockerfile"), "FROM busybox\nRUN echo "+s+" > /which\n")
	}
	c, okc := composeOn(t, store, file, "bf")
	images := func(store string) string { return okAt(t, store, "images", "--format", "{{.Repository}}:{{.Tag}}") }
	okc("build", "app")
	if got := images(store); !strings.Contains(got, addr+"/c4/app:1") || strings.Contains(got, addr+"/c4/base:1") {
		t.Fatalf("build app (no dependencies): images %q", got)
	}
	if r := c("build", "-q", "--with-dependencies", "--push", "app"); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("build -q --with-dependencies --push app: %v", r)
	}
	if got := images(store); !strings.Contains(got, addr+"/c4/base:1") {
		t.Errorf("build --with-dependencies app: base not built, images %q", got)
	}

	other := tempStore(t)
	pfile := filepath.Join(t.TempDir(), "compose.yaml")
	writeFile(t, pfile, strings.ReplaceAll("services:\n  one:\n    image: ADDR/c4/base:1\n  two:\n    image: ADDR/c4/app:1\n    depends_on: [one]\n", "ADDR", addr))
	pc, _ := composeOn(t, other, pfile, "pf")
	if r := pc("pull", "-q", "two"); r.code != 0 || r.stderr != "" || r.stdout != "" {
		t.Fatalf("pull -q two: %v", r)
	}
	if got := images(other); !strings.Contains(got, addr+"/c4/app:1") || strings.Contains(got, addr+"/c4/base:1") {
		t.Fatalf("pull two (pushed by build --push): images %q", got)
	}
	if r := pc("pull", "--include-deps", "two"); r.code != 0 || !strings.Contains(r.stderr, "Image "+addr+"/c4/base:1  Pulled") {
		t.Errorf("pull --include-deps two: %v", r)
	}
	if r := pc("pull", "--policy", "missing"); r.code != 0 || strings.Contains(r.stderr, "Pulling") || strings.Count(r.stderr, "Skipped - Image is already present locally") != 2 {
		t.Errorf("pull --policy missing with both present: %v", r)
	}
	if r := pc("pull", "--policy", "always", "one"); r.code != 0 || !strings.Contains(r.stderr, "Image "+addr+"/c4/base:1  Pulled") {
		t.Errorf("pull --policy always one: %v", r)
	}
	if r := pc("pull", "--policy", "sometimes"); r.code == 0 || !strings.Contains(r.stderr, "--policy") {
		t.Errorf("pull --policy sometimes: %v", r)
	}
}
