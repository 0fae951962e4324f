package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBuildAddURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "fetched "+r.URL.Path)
	}))
	defer srv.Close()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM busybox\nADD " + srv.URL + "/files/remote.txt /r/\n"})
	fails(t, 1, []string{"cannot fetch a URL with --network none"}, "build", "-q", "--network", "none", dir)
	id := ok(t, "build", "-q", "--network", "host", dir)
	defer berth(t, "rmi", id)
	if out := inRun(t, id, "cat /r/remote.txt; echo; stat -c %a /r/remote.txt"); out != "fetched /files/remote.txt\n600" {
		t.Errorf("ADD URL = %q", out)
	}
}

// Step images are the build cache: not in `images`, counted by
// `system df`, removed by `builder prune`; a failed RUN adds no image.
func TestBuildCacheStore(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": fmt.Sprintf(
		"FROM busybox\nLABEL t=%d\nRUN head -c 100000 /dev/zero > /blob\nCMD [\"true\"]\n", time.Now().UnixNano())})
	before := ok(t, "images", "-q")
	id := buildImage(t, dir, "build-cache-store")
	after := ok(t, "images", "-q")
	if n, m := len(strings.Fields(before)), len(strings.Fields(after)); m != n+1 {
		t.Errorf("images: %d before, %d after one build, want one more (step images hidden)", n, m)
	}
	df := ok(t, "system", "df")
	if !strings.Contains(df, "Build Cache") || strings.Contains(df, "Build Cache     0 ") {
		t.Errorf("system df shows no build cache:\n%s", df)
	}
	if out := ok(t, "builder", "prune", "-f"); !strings.Contains("\n"+out, "\nTotal reclaimed space:") {
		t.Errorf("builder prune = %q", out)
	}
	// The tagged result survives the prune and still runs.
	ok(t, "run", "--rm", "--network", "none", id)
	// A failing RUN leaves no image and no container.
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM busybox\nRUN echo partial > /p && exit 7\n"})
	imgs := ok(t, "images", "-aq")
	fails(t, 1, []string{"step 2/2 RUN echo partial > /p && exit 7: exit code 7"}, "build", "-q", "--network", "none", dir)
	if got := ok(t, "images", "-aq"); got != imgs {
		t.Errorf("failed build changed the images: %q -> %q", imgs, got)
	}
}
