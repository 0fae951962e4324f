package integration

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestVersionAndInfo: --version is docker's one line, version and info
// read through templates with docker's field names.
func TestVersionAndInfo(t *testing.T) {
	line := ok(t, "--version")
	m := regexp.MustCompile(`^berth version (\S+), build (\S+)$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("--version: %q", line)
	}
	if v := ok(t, "version", "-f", "{{.Client.Version}}"); v != m[1] {
		t.Errorf("version -f .Client.Version = %q, --version says %q", v, m[1])
	}
	var v struct{ Client, Engine map[string]any }
	if err := json.Unmarshal([]byte(ok(t, "version", "-f", "{{json .}}")), &v); err != nil || v.Client["GoVersion"] == nil || v.Engine["Components"] == nil {
		t.Errorf("version -f json: %v %v", v, err)
	}

	store := tempStore(t)
	okAt(t, store, "bootstrap")
	okAt(t, store, "create", "busybox", "true")
	id := okAt(t, store, "run", "-d", "busybox", "sleep", "60")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", id) })
	got := okAt(t, store, "info", "-f", "{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}} {{.Images}} {{.Driver}} {{.DockerRootDir}}")
	if want := "2 1 1 1 overlay " + store; got != want {
		t.Errorf("info -f = %q, want %q", got, want)
	}
	if out := okAt(t, store, "info"); !strings.Contains(out, "Containers: 2\n  Running: 1") || !strings.Contains(out, "Berth Root Dir: "+store) {
		t.Errorf("info:\n%s", out)
	}
}

// TestPrune: container prune removes stopped containers only; image prune
// removes dangling images, -a every image no container uses; system prune
// asks first and does both; answering no removes nothing.
func TestPrune(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	stopped := okAt(t, store, "create", "busybox", "true")
	running := okAt(t, store, "run", "-d", "busybox", "sleep", "60")
	t.Cleanup(func() { at(t, store, "", "", "rm", "-f", running) })
	changed := okAt(t, store, "run", "-d", "busybox", "sh", "-c", "echo x > /x")
	okAt(t, store, "wait", changed)
	dangling := okAt(t, store, "commit", changed)
	okAt(t, store, "commit", changed, "unused:1")

	// "n" keeps everything.
	if r := at(t, store, "", "n\n", "system", "prune"); r.code != 0 || !strings.Contains(r.stdout, "WARNING! This will remove:\n  - all stopped containers") {
		t.Fatalf("system prune answered no: %v", r)
	}
	if ids := strings.Fields(okAt(t, store, "ps", "-aq", "--no-trunc")); len(ids) != 3 {
		t.Fatalf("after a refused prune: %d containers, want 3", len(ids))
	}

	out := okAt(t, store, "container", "prune", "-f")
	if !strings.HasPrefix(out, "Deleted Containers:\n") || !strings.Contains(out, stopped) || !strings.Contains(out, changed) || strings.Contains(out, running) {
		t.Errorf("container prune:\n%s", out)
	}
	if ids := strings.Fields(okAt(t, store, "container", "ls", "-aq", "--no-trunc")); !slices.Equal(ids, []string{running}) {
		t.Errorf("after container prune: %v, want only %s", ids, running)
	}

	out = okAt(t, store, "image", "prune", "-f")
	if !strings.Contains(out, "deleted: "+dangling) || strings.Contains(out, "unused:1") {
		t.Errorf("image prune (dangling only):\n%s", out)
	}
	out = okAt(t, store, "image", "prune", "-a", "-f")
	if !strings.Contains(out, "untagged: unused:1") || strings.Contains(out, "busybox") {
		t.Errorf("image prune -a (busybox is in use):\n%s", out)
	}
	if imgs := okAt(t, store, "images", "--format", "{{.Repository}}"); imgs != "busybox" {
		t.Errorf("images after the prunes: %q", imgs)
	}

	okAt(t, store, "rm", "-f", running)
	out = okAt(t, store, "system", "prune", "-a", "-f")
	if !strings.Contains(out, "untagged: busybox:latest") || !strings.Contains(out, "Total reclaimed space:") {
		t.Errorf("system prune -a:\n%s", out)
	}
	if imgs := okAt(t, store, "images", "-q"); imgs != "" {
		t.Errorf("images after system prune -a: %q", imgs)
	}
}

// TestBuildFromStdin: `build -` takes the Dockerfile from stdin with an
// empty context; `build -f - PATH` takes it from stdin with PATH's context;
// stdin cannot be both.
func TestBuildFromStdin(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	r := at(t, store, "", "FROM busybox\nRUN echo built > /b\nCMD [\"cat\", \"/b\"]\n", "build", "-q", "-t", "stdin:1", "-")
	if r.code != 0 {
		t.Fatalf("build -: %v", r)
	}
	if out := okAt(t, store, "run", "--rm", "stdin:1"); out != "built" {
		t.Errorf("image built from stdin runs %q", out)
	}
	// The empty context has nothing to COPY.
	if r := at(t, store, "", "FROM busybox\nCOPY f /f\n", "build", "-"); r.code == 0 || !strings.Contains(r.stderr, "f") {
		t.Errorf("COPY in a build from stdin alone: %v", r)
	}

	ctx := t.TempDir()
	writeFile(t, ctx+"/f", "from the context\n")
	writeFile(t, ctx+"/Dockerfile", "FROM busybox\nCMD [\"echo\", \"the context's Dockerfile\"]\n")
	if r := at(t, store, "", "FROM busybox\nCOPY f /f\nCMD [\"cat\", \"/f\"]\n", "build", "-q", "-t", "stdin:2", "-f", "-", ctx); r.code != 0 {
		t.Fatalf("build -f - PATH: %v", r)
	}
	if out := okAt(t, store, "run", "--rm", "stdin:2"); out != "from the context" {
		t.Errorf("build -f - PATH used another Dockerfile or context: %q", out)
	}
	if r := at(t, store, "", "FROM busybox\n", "build", "-f", "-", "-"); r.code == 0 || !strings.Contains(r.stderr, "can't use stdin for both") {
		t.Errorf("build -f - -: %v", r)
	}
}

// TestSystemDfNamesAndFormat: -v splits a name at its tag, not at a
// registry's port; --format reads docker's placeholders.
func TestSystemDfNamesAndFormat(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	okAt(t, store, "tag", "busybox", "localhost:5000/x:v1")
	out := okAt(t, store, "system", "df", "-v")
	if !regexp.MustCompile(`(?m)^localhost:5000/x\s+v1\s`).MatchString(out) {
		t.Errorf("system df -v splits localhost:5000/x:v1 wrongly:\n%s", out)
	}
	got := okAt(t, store, "system", "df", "--format", "{{.Type}}={{.TotalCount}}")
	if got != "Images=1\nContainers=0\nLocal Volumes=0\nBuild Cache=0" {
		t.Errorf("system df --format: %q", got)
	}
}

// TestBuildEntrypointResetsCmd: an ENTRYPOINT drops the CMD the stage
// inherited (docker and buildkit), but keeps one set earlier in the stage.
func TestBuildEntrypointResetsCmd(t *testing.T) {
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	for _, tt := range []struct{ dockerfile, cmd, out string }{
		{"FROM busybox\nENTRYPOINT [\"echo\", \"entry\"]\n", "null", "entry"},
		{"FROM busybox\nCMD [\"kept\"]\nENTRYPOINT [\"echo\"]\n", `["kept"]`, "kept"},
		{"FROM busybox\nENTRYPOINT [\"echo\"]\nCMD [\"after\"]\n", `["after"]`, "after"},
	} {
		ctx := t.TempDir()
		writeFile(t, ctx+"/Dockerfile", tt.dockerfile)
		id := okAt(t, store, "build", "-q", ctx)
		if got := okAt(t, store, "image", "inspect", "-f", "{{json .Config.Cmd}}", id); got != tt.cmd {
			t.Errorf("%q: Config.Cmd = %s, want %s", tt.dockerfile, got, tt.cmd)
		}
		if got := okAt(t, store, "run", "--rm", id); got != tt.out {
			t.Errorf("%q runs %q, want %q", tt.dockerfile, got, tt.out)
		}
	}
}
