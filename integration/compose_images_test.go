package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const composeBuildApp = `services:
  app:
    image: ADDR/c3/app:1
    build:
      context: ./app
      dockerfile: Containerfile
      target: final
      args:
        GREETING: built-with-arg
      tags: ["ADDR/c3/app:extra"]
    command: sh -c 'cat /greeting /stage; exec sleep 300'
`

const composeBuildDockerfile = `FROM busybox AS base
ARG GREETING=default
RUN echo $GREETING > /greeting
FROM base AS final
RUN echo STAGE > /stage
FROM base AS other
RUN echo other > /stage
`

// TestComposeBuildPushPull: compose build honours context, dockerfile,
// args, target and tags; up does not rebuild, up --build does and
// recreates the container whose image changed; push sends image: and
// the build's tags to a registry on 127.0.0.1, and pull on another store
// fetches what the services name, a failing pull being an error unless
// --ignore-pull-failures.
func TestComposeBuildPushPull(t *testing.T) {
	t.Parallel()
	addr, _ := berthRegistry(t, t.TempDir())
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	writeFile(t, file, strings.ReplaceAll(composeBuildApp, "ADDR", addr))
	os.MkdirAll(filepath.Join(dir, "app"), 0o755)
	dockerfile := func(stage string) {
		writeFile(t, filepath.Join(dir, "app", "Containerfile"), strings.Replace(composeBuildDockerfile, "STAGE", stage, 1))
	}
	dockerfile("final-1")
	c, okc := composeOn(t, store, file, "bd")
	t.Cleanup(func() { c("down", "-t", "0") })

	if r := c("build"); r.code != 0 || !strings.Contains(r.stderr, "Image "+addr+"/c3/app:1  Built") {
		t.Fatalf("build: %v", r)
	}
	if got := okAt(t, store, "run", "--rm", addr+"/c3/app:1", "cat", "/greeting", "/stage"); got != "built-with-arg\nfinal-1" {
		t.Errorf("the built image (args, dockerfile, target): %q", got)
	}
	if got := okAt(t, store, "images", "--format", "{{.Repository}}:{{.Tag}}"); !strings.Contains(got, addr+"/c3/app:extra") {
		t.Errorf("build.tags: images are %q", got)
	}

	okc("up", "-d")
	id := func() string { return okc("ps", "-q", "app") }
	first := id()
	dockerfile("final-2")
	if r := c("up", "-d"); r.code != 0 || strings.Contains(r.stderr, "Building") || id() != first {
		t.Errorf("up without --build rebuilt or recreated: %v", r)
	}
	if r := c("up", "-d", "--build"); r.code != 0 || !strings.Contains(r.stderr, "Built") {
		t.Fatalf("up --build: %v", r)
	}
	if id() == first {
		t.Errorf("up --build kept the container of the old image")
	}
	if got := okc("exec", "-T", "app", "cat", "/stage"); got != "final-2" {
		t.Errorf("after up --build the container runs /stage %q", got)
	}

	if r := c("push"); r.code != 0 || !strings.Contains(r.stderr, "Image "+addr+"/c3/app:extra  Pushed") {
		t.Fatalf("push: %v", r)
	}
	other := tempStore(t)
	pdir := t.TempDir()
	pfile := filepath.Join(pdir, "compose.yaml")
	writeFile(t, pfile, "services:\n  one:\n    image: "+addr+"/c3/app:1\n    command: cat /greeting\n  two:\n    image: "+addr+"/c3/app:extra\n    command: cat /stage\n")
	pc, pokc := composeOn(t, other, pfile, "pl")
	t.Cleanup(func() { pc("down", "-t", "0") })
	pokc("pull")
	if got := okAt(t, other, "images", "--format", "{{.Repository}}:{{.Tag}}"); !strings.Contains(got, addr+"/c3/app:1") || !strings.Contains(got, addr+"/c3/app:extra") {
		t.Errorf("after pull the store has %q", got)
	}
	pokc("up", "-d", "--pull", "never")
	eventually(t, 20*time.Second, "the pulled services' output", func() bool {
		out := pokc("logs")
		return strings.Contains(out, "pl-one-1  | built-with-arg") && strings.Contains(out, "pl-two-1  | final-2")
	})

	writeFile(t, pfile, "services:\n  gone:\n    image: "+addr+"/c3/nosuch:1\n")
	if r := pc("pull"); r.code == 0 || !strings.Contains(r.stderr, `service "gone"`) {
		t.Errorf("pull of a missing image: %v", r)
	}
	if r := pc("pull", "--ignore-pull-failures"); r.code != 0 || !strings.Contains(r.stderr, "WARN") {
		t.Errorf("pull --ignore-pull-failures: %v", r)
	}
}
