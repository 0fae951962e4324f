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
// while it follows, and ends once every followed container has stopped;
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
