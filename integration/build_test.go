package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// corpus copies build/testdata/<name> into a fresh directory the test may
// change, and returns it.
func corpus(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	if out, err := exec.Command("cp", "-a", filepath.Join("..", "build", "testdata", name)+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp %s: %v %s", name, err, out)
	}
	return dst
}

// buildImage builds dir as tag (--network none) and returns the image ID.
func buildImage(t *testing.T, dir, tag string, args ...string) string {
	t.Helper()
	id := ok(t, append(append([]string{"build", "-q", "--network", "none", "-t", tag}, args...), dir)...)
	t.Cleanup(func() { exec.Command(berthBin, "--root", storeRoot, "rmi", "-f", tag).Run() })
	return id
}

// imageConfigBlob reads an image's config file straight from the store.
func imageConfigBlob(t *testing.T, id string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(storeRoot, "oci", "blobs", "sha256", strings.TrimPrefix(id, "sha256:")))
	if err != nil {
		t.Fatalf("config blob of %s: %v", id, err)
	}
	var cf map[string]any
	if err := json.Unmarshal(raw, &cf); err != nil {
		t.Fatal(err)
	}
	return cf
}

// inRun runs sh -c script in a throwaway container of image as root.
func inRun(t *testing.T, image, script string) string {
	t.Helper()
	return ok(t, "run", "--rm", "--network", "none", "-u", "0", "--entrypoint", "", image, "sh", "-c", script)
}

func TestBuildCorpusMetadata(t *testing.T) {
	id := buildImage(t, corpus(t, "metadata"), "build-corpus-metadata")
	var cfg struct {
		User, WorkingDir, StopSignal string
		Env, Cmd, Entrypoint, Shell  []string
		OnBuild                      []string
		Labels                       map[string]string
		ExposedPorts, Volumes        map[string]struct{}
	}
	if err := json.Unmarshal([]byte(inspectField(t, id, "{{json .Config}}")), &cfg); err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"User":       {cfg.User, "1000:1000"},
		"WorkingDir": {cfg.WorkingDir, "/srv/app"},
		"StopSignal": {cfg.StopSignal, "SIGTERM"},
		"Env":        {strings.Join(cfg.Env, " "), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin APP_VERSION=1.0 APP_HOME=/srv"},
		"Cmd":        {strings.Join(cfg.Cmd, "|"), "echo $APP_VERSION"},
		"Entrypoint": {strings.Join(cfg.Entrypoint, "|"), "/bin/sh|-c"},
		"Shell":      {strings.Join(cfg.Shell, "|"), "/bin/sh|-e|-c"},
		"OnBuild":    {strings.Join(cfg.OnBuild, "|"), "RUN echo triggered > /tmp/onbuild"},
		"Label":      {cfg.Labels["org.example.version"], "1.0"},
	}
	for k, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", k, c[0], c[1])
		}
	}
	for _, p := range []string{"80/tcp", "53/udp"} {
		if _, ok := cfg.ExposedPorts[p]; !ok {
			t.Errorf("ExposedPorts lacks %s: %v", p, cfg.ExposedPorts)
		}
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("Volumes = %v", cfg.Volumes)
	}
	cf := imageConfigBlob(t, id)
	hc, _ := cf["config"].(map[string]any)["Healthcheck"].(map[string]any)
	if hc == nil || hc["Retries"] != float64(4) || hc["Interval"] != float64(5e9) {
		t.Errorf("Healthcheck = %v", hc)
	}
	if got := ok(t, "image", "inspect", "-f", "{{.Config.Healthcheck.Retries}} {{.Config.Healthcheck.Interval}}", id); got != "4 5000000000" {
		t.Errorf("image inspect Healthcheck: %q", got)
	}
	// Every instruction after FROM is one empty-layer history entry naming it.
	hist := cf["history"].([]any)
	var got []string
	for _, h := range hist[1:] {
		e := h.(map[string]any)
		if e["empty_layer"] != true {
			t.Errorf("history %v: not an empty layer", e)
		}
		got = append(got, strings.Fields(e["created_by"].(string))[0])
	}
	want := "ARG ENV LABEL EXPOSE VOLUME WORKDIR WORKDIR USER SHELL STOPSIGNAL HEALTHCHECK ONBUILD ENTRYPOINT CMD"
	if strings.Join(got, " ") != want {
		t.Errorf("history created_by = %v, want %s", got, want)
	}
	if out := ok(t, "run", "--rm", "--network", "none", id); out != "1.0" {
		t.Errorf("run = %q, want 1.0", out)
	}
}

func TestBuildCorpusCopyAdd(t *testing.T) {
	id := buildImage(t, corpus(t, "copy"), "build-corpus-copy")
	if got := inRun(t, id, "cat /unpacked-xz/pkg/xz.txt"); got != "packed-with-xz" {
		t.Errorf("ADD of an xz tar: %q", got)
	}
	files := inRun(t, id, "find /copied /glob /unpacked /w /added.txt /owned.txt /tmp/hello.txt | sort | tr '\\n' ' '; stat -c '%u:%g %a' /owned.txt; stat -c '%u:%g' /daemon.txt /bin-daemon.txt; cat /unpacked/pkg/packed.txt")
	want := "/added.txt /copied /copied/dir /copied/dir/inner.txt /copied/dir/sub /copied/dir/sub/deep.txt /copied/hello.txt " +
		"/glob /glob/hello.txt /owned.txt /tmp/hello.txt /unpacked /unpacked/pkg /unpacked/pkg/packed.txt /w /w/hello.txt 1234:5678 640\n1:1\n2:1\npacked"
	if files != want {
		t.Errorf("files =\n%q\nwant\n%q", files, want)
	}
}

func TestBuildCorpusRun(t *testing.T) {
	id := buildImage(t, corpus(t, "run"), "build-corpus-run", "--build-arg", "WHO=berth")
	if out := inRun(t, id, "cat /shell-form /exec-form /tool-out /tmp/uid"); out != "hello berth\nexec-form\ntool-ran\n1000" {
		t.Errorf("RUN results = %q", out)
	}
	if n := ok(t, "ps", "-aq", "--filter", "label=berth.build"); n != "" {
		t.Errorf("intermediate containers left: %q", n)
	}
}

func TestBuildCorpusOnbuild(t *testing.T) {
	parent := buildImage(t, corpus(t, "metadata"), "build-onbuild-parent")
	id := buildImage(t, corpus(t, "onbuild"), "build-onbuild-child", "--build-arg", "PARENT="+parent)
	if out := inRun(t, id, "cat /tmp/onbuild /tmp/child"); out != "triggered\nchild" {
		t.Errorf("ONBUILD child = %q", out)
	}
	if got := inspectField(t, id, "{{json .Config.OnBuild}}"); got != "null" && got != "[]" {
		t.Errorf("child OnBuild = %s, want none", got)
	}
}

// layerSizes sums an image's layer sizes through the layers API.
func layerSizes(t *testing.T, ref string) int64 {
	t.Helper()
	var a struct {
		Layers []struct{ Size int64 } `json:"layers"`
	}
	if err := json.Unmarshal([]byte(ok(t, "layers", "--json", ref)), &a); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, l := range a.Layers {
		n += l.Size
	}
	return n
}

func TestBuildMultiStageSmaller(t *testing.T) {
	dir := corpus(t, "multistage")
	final := buildImage(t, dir, "build-ms-final")
	stage := buildImage(t, dir, "build-ms-stage", "--target", "build")
	if out := ok(t, "run", "--rm", "--network", "none", final); out != "binary" {
		t.Errorf("final image runs %q", out)
	}
	fs, ss := layerSizes(t, final), layerSizes(t, stage)
	if fs >= ss || ss-fs < 4<<20 {
		t.Errorf("final image %d bytes, build stage %d: want the final 4 MiB smaller", fs, ss)
	}
	// --target test runs stage "build" and "test" only: "never" (exit 3) is skipped.
	buildImage(t, dir, "build-ms-test", "--target", "test")
}
