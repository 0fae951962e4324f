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
