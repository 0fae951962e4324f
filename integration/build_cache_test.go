package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// buildPlain builds dir with plain progress and returns the image ID and
// the steps that said CACHED.
func buildPlain(t *testing.T, dir string, args ...string) (string, []int) {
	t.Helper()
	r := berth(t, append(append([]string{"build", "--progress", "plain", "--network", "none"}, args...), dir)...)
	if r.code != 0 {
		t.Fatalf("build: %v", r)
	}
	var cached []int
	var id string
	for _, l := range strings.Split(r.stderr, "\n") {
		var n int
		if _, err := fmt.Sscanf(l, "#%d CACHED", &n); err == nil && strings.HasSuffix(l, "CACHED") {
			cached = append(cached, n)
		}
		if f := strings.Fields(l); len(f) == 5 && f[1] == "writing" {
			id = f[3]
		}
	}
	return id, cached
}

func TestBuildCache(t *testing.T) {
	dir := t.TempDir()
	df := fmt.Sprintf("FROM busybox\nLABEL test=%d\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\nCOPY c.txt /c.txt\nRUN echo step > /d\n", time.Now().UnixNano())
	writeFiles(t, dir, map[string]string{"Dockerfile": df, "a.txt": "a", "c.txt": "c"})
	first, cached := buildPlain(t, dir)
	if len(cached) != 0 {
		t.Fatalf("first build cached %v", cached)
	}
	again, cached := buildPlain(t, dir)
	if again != first || fmt.Sprint(cached) != "[2 3 4 5 6]" {
		t.Errorf("no-change rebuild: id %s (first %s), cached %v, want all", again, first, cached)
	}
	// mtime alone is no change.
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "a.txt"), future, future); err != nil {
		t.Fatal(err)
	}
	if _, cached = buildPlain(t, dir); fmt.Sprint(cached) != "[2 3 4 5 6]" {
		t.Errorf("after touch: cached %v, want all", cached)
	}
	// A COPY source's content: that step and every later one rebuild.
	writeFiles(t, dir, map[string]string{"c.txt": "c2"})
	changed, cached := buildPlain(t, dir)
	if changed == first || fmt.Sprint(cached) != "[2 3 4]" {
		t.Errorf("after editing c.txt: cached %v, want [2 3 4]", cached)
	}
	if out := inRun(t, changed, "cat /b.txt /c.txt"); out != "ac2" {
		t.Errorf("files = %q", out)
	}
	// A RUN's text.
	writeFiles(t, dir, map[string]string{"Dockerfile": strings.Replace(df, "cat /a.txt > /b.txt", "cat /a.txt /a.txt > /b.txt", 1)})
	if _, cached = buildPlain(t, dir); fmt.Sprint(cached) != "[2 3]" {
		t.Errorf("after editing RUN: cached %v, want [2 3]", cached)
	}
	// A build arg the steps see.
	if _, cached = buildPlain(t, dir, "--no-cache"); len(cached) != 0 {
		t.Errorf("--no-cache: cached %v", cached)
	}
}

func TestBuildBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(df string) { writeFiles(t, dir, map[string]string{"Dockerfile": df, "a.txt": "a"}) }
	tag := name(t, "img")
	for _, tc := range []struct{ df, want string }{
		{"FROM busybox\nENV A=1\nRUN echo hi > /f\nRUN sh -c \"exit 2\"\nCMD x\n", `step 4/5 RUN sh -c "exit 2": exit code 2`},
		{"FROM busybox\nFROBNICATE x\n", "Dockerfile:2: FROBNICATE: unknown instruction"},
		{"FROM busybox\nCOPY ../x /x\n", `COPY source "../x": outside the build context`},
		{"FROM busybox\nCOPY missing.txt /x\n", `COPY source "missing.txt": not found in the build context`},
		{"FROM busybox\nCOPY --from=nostage /x /x\n", "COPY --from=nostage: no such stage or image"},
		{"FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /x /x\n", `stage "b": circular dependency`},
		{"FROM no-such-image-here\n", `image "no-such-image-here": not found`},
		{"FROM --platform=linux/s390x busybox\n", "platform linux/s390x: berth builds for linux/"},
		{"FROM busybox\nCOPY --chown=nosuchuser a.txt /a\n", "--chown=nosuchuser:"},
	} {
		write(tc.df)
		fails(t, 1, []string{tc.want}, "build", "-q", "--pull=never", "--network", "none", "-t", tag, dir)
	}
	write("FROM busybox\n")
	fails(t, 1, []string{`target stage "nope": not found`}, "build", "-q", "--target", "nope", dir)
	if r := berth(t, "image", "inspect", tag); r.code == 0 {
		t.Errorf("a failed build tagged %s", tag)
	}
	if out := ok(t, "ps", "-aq", "--filter", "label=berth.build"); out != "" {
		t.Errorf("containers left behind: %q", out)
	}
}
