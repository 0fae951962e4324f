package integration

import (
	"strings"
	"testing"
)

// TestRunPullsMissingImage: run and create fetch an image that is not in the
// store, as docker does (--pull missing is the default), with docker's lines
// on stderr; --pull never refuses; --pull always asks the registry again; a
// registry that cannot be reached is one line and exit 125.
func TestRunPullsMissingImage(t *testing.T) {
	host, _ := berthRegistry(t, t.TempDir())
	ref := host + "/ondemand/busybox:v1"
	ok(t, "tag", "busybox", ref)
	t.Cleanup(func() { berth(t, "rmi", ref) })
	ok(t, "push", ref)

	store := tempStore(t)
	r := at(t, store, "", "", "run", "--rm", ref, "echo", "hello")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "hello" {
		t.Fatalf("run of a missing image: %v", r)
	}
	for _, want := range []string{"Unable to find image '" + ref + "' locally", "v1: Pulling from " + host + "/ondemand/busybox",
		"Digest: sha256:", "Status: Downloaded newer image for " + ref} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("run's stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	// Now local: nothing is said and nothing pulled.
	r = at(t, store, "", "", "run", "--rm", ref, "true")
	if r.code != 0 || strings.Contains(r.stderr, "Unable to find") || strings.Contains(r.stderr, "Pulling") {
		t.Errorf("run of a local image: %v", r)
	}
	// --pull always asks the registry, which has nothing newer.
	r = at(t, store, "", "", "create", "--pull", "always", ref)
	if r.code != 0 || !strings.Contains(r.stderr, "Status: Image is up to date for "+ref) || len(strings.TrimSpace(r.stdout)) != 64 {
		t.Errorf("create --pull always: %v", r)
	}

	fresh := tempStore(t)
	r = at(t, fresh, "", "", "run", "--pull", "never", "--rm", ref, "true")
	if r.code != 125 || !strings.Contains(r.stderr, `image "`+ref+`": not found`) || strings.Contains(r.stderr, "Pulling") {
		t.Errorf("run --pull never of a missing image: %v", r)
	}
	r = at(t, fresh, "", "", "create", ref)
	if r.code != 0 || !strings.Contains(r.stderr, "Unable to find image '"+ref+"' locally") {
		t.Errorf("create of a missing image: %v", r)
	}

	// A Dockerfile's FROM is pulled the same way; --pull=never refuses.
	ctx := t.TempDir()
	writeFile(t, ctx+"/Dockerfile", "FROM "+ref+"\nRUN echo built > /b\n")
	built := tempStore(t)
	if r := at(t, built, "", "", "build", "--pull=never", "-q", ctx); r.code == 0 || !strings.Contains(r.stderr, `image "`+ref+`": not found`) {
		t.Errorf("build --pull=never of a missing base: %v", r)
	}
	if r := at(t, built, "", "", "build", "--progress", "plain", "-t", "fromregistry", ctx); r.code != 0 || !strings.Contains(r.stderr, "pulling "+ref) {
		t.Errorf("build FROM a missing base: %v", r)
	}
	if out := okAt(t, built, "run", "--rm", "fromregistry", "cat", "/b"); out != "built" {
		t.Errorf("the image built on a pulled base runs %q", out)
	}
	if r := at(t, built, "", "", "build", "--pull", "never", ctx); r.code == 0 || !strings.Contains(r.stderr, "write --pull=never") {
		t.Errorf("build --pull never (a space): %v", r)
	}

	down := freePort(t)
	r = at(t, fresh, "", "", "run", "--rm", down+"/nothing:v1", "true")
	if r.code != 125 || !strings.Contains(r.stderr, "not reachable") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 1 || strings.Contains(r.stderr, "Pulling") {
		t.Errorf("run from a registry that is down: want the Unable line and one error line, exit 125: %v", r)
	}
	r = at(t, fresh, "", "", "run", "--pull", "sometimes", "--rm", ref, "true")
	if r.code != 125 || !strings.Contains(r.stderr, `invalid pull policy "sometimes"`) {
		t.Errorf("run --pull sometimes: %v", r)
	}
}
