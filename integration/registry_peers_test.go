package integration

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/berthdev/berth/internal/testutil"
)

// TestRegistryPeers: berth pushes to and pulls from Debian's docker-registry
// (the CNCF distribution server); skopeo reads what berth pushed, to both
// that registry and berth's own, and berth pulls what skopeo pushed.
func TestRegistryPeers(t *testing.T) {
	testutil.RequiresCommand(t, "skopeo")
	dist := distribution(t)
	own, _ := berthRegistry(t, t.TempDir())
	store, other := tempStore(t), tempStore(t)
	okAt(t, store, "bootstrap")
	want := okAt(t, store, "images", "-q", "--no-trunc")
	skopeo := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("skopeo", append([]string{"--insecure-policy"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, reg := range []string{dist, own} {
		t.Run(map[string]string{dist: "distribution", own: "berth"}[reg], func(t *testing.T) {
			byBerth, bySkopeo := reg+"/peers/bb:berth", reg+"/peers/bb:skopeo"
			okAt(t, store, "tag", "busybox", byBerth)
			okAt(t, store, "push", byBerth)
			if out := skopeo("inspect", "--tls-verify=false", "docker://"+byBerth); !strings.Contains(out, `"Architecture"`) {
				t.Errorf("skopeo inspect of berth's push: %s", out)
			}
			skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://"+byBerth, "docker://"+bySkopeo)
			okAt(t, other, "pull", bySkopeo)
			if got := okAt(t, other, "images", "-q", "--no-trunc", bySkopeo); got != want {
				t.Errorf("image pulled from skopeo's push is %q, want %q", got, want)
			}
			if out := okAt(t, other, "run", "--rm", bySkopeo, "echo", "ok"); out != "ok" {
				t.Errorf("run of the image skopeo pushed: %q", out)
			}
		})
	}
}

// TestCommitOnDockerTypedImage: an image pulled in docker schema 2 (as
// skopeo --format v2s2 writes it), changed and committed, is pushed as an
// OCI manifest with OCI layer types only; docker-registry and berth's
// registry take it, skopeo copies it, and another store pulls and runs it.
func TestCommitOnDockerTypedImage(t *testing.T) {
	testutil.RequiresCommand(t, "skopeo")
	dist := distribution(t)
	own, _ := berthRegistry(t, t.TempDir())
	for _, reg := range []string{dist, own} {
		t.Run(map[string]string{dist: "distribution", own: "berth"}[reg], func(t *testing.T) { commitOnDockerTyped(t, reg) })
	}
}

func commitOnDockerTyped(t *testing.T, reg string) {
	store, other := tempStore(t), tempStore(t)
	okAt(t, store, "bootstrap")
	oci, v2s2, mixed := reg+"/types/bb:oci", reg+"/types/bb:v2s2", reg+"/types/bb:committed"
	okAt(t, store, "tag", "busybox", oci)
	okAt(t, store, "push", oci)
	skopeo := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("skopeo", append([]string{"--insecure-policy"}, args...)...).Output()
		if err != nil {
			t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	skopeo("copy", "--format", "v2s2", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://"+oci, "docker://"+v2s2)
	okAt(t, other, "pull", v2s2)
	okAt(t, other, "run", "--name", "typed", v2s2, "sh", "-c", "echo changed > /note")
	okAt(t, other, "commit", "typed", mixed)
	okAt(t, other, "push", mixed)
	raw := skopeo("inspect", "--raw", "--tls-verify=false", "docker://"+mixed)
	if strings.Contains(raw, "vnd.docker") || !strings.Contains(raw, "application/vnd.oci.image.layer.v1.tar+gzip") {
		t.Errorf("manifest of the commit on a docker-typed image mixes media types: %s", raw)
	}
	skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://"+mixed, "oci:"+t.TempDir()+":x")
	third := tempStore(t)
	okAt(t, third, "pull", mixed)
	if out := okAt(t, third, "run", "--rm", mixed, "cat", "/note"); out != "changed" {
		t.Errorf("run of the pushed commit: %q", out)
	}
}
