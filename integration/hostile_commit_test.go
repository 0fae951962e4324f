package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommitAndBuildRefuseWhiteoutNames is issue #13's first hole end to
// end: a container file named .wh... (read back as a whiteout of "..",
// it once removed snapshots/) is refused by commit and by a build step
// with one line naming the path; the store keeps every snapshot and
// blob, and containers still start.
func TestCommitAndBuildRefuseWhiteoutNames(t *testing.T) {
	t.Parallel()
	root := tempStore(t)
	b := func(args ...string) []string { return append([]string{"--root", root}, args...) }
	ok(t, b("bootstrap")...)
	ok(t, b("run", "--name", "p", "--network", "none", "busybox", "touch", "/.wh...")...)
	list := func() string {
		var out []string
		for _, d := range []string{"snapshots", filepath.Join("oci", "blobs", "sha256")} {
			entries, err := os.ReadDir(filepath.Join(root, d))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				out = append(out, d+"/"+e.Name())
			}
		}
		return strings.Join(out, "\n")
	}
	before := list()
	const want = `path "/.wh...": a name starting with ".wh." has no representation in an OCI layer`
	fails(t, 1, []string{want}, b("commit", "p", "x")...) // docker exits 1 on a commit error
	ctx := t.TempDir()
	writeFile(t, filepath.Join(ctx, "Dockerfile"), "FROM busybox\nRUN touch /.wh...\n")
	r := berth(t, b("build", "-q", "--network", "none", ctx)...)
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("build of a step that makes /.wh...: %v", r)
	}
	if after := list(); after != before {
		t.Errorf("the store changed:\nbefore %s\nafter  %s", before, after)
	}
	ok(t, b("run", "--rm", "--network", "none", "busybox", "true")...)
	if r := berth(t, b("system", "check")...); r.code != 0 {
		t.Errorf("check: %v", r)
	}
}
