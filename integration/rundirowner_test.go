package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berthdev/berth/engine"
)

// TestRunDirOwnedByAnotherUser: the run directory (/run/berth-<hash>)
// gets the store's ownership check: one of another user, or one that
// group or others can write, is refused with one line naming it, and
// nothing is written into it.
func TestRunDirOwnedByAnotherUser(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		uid  int
		mode os.FileMode
		want string
	}{
		{nobody, 0o700, "is owned by uid 65534, not root"},
		{0, 0o777, "is writable by group or others (mode 0777)"},
	} {
		root := filepath.Join(t.TempDir(), "store")
		run := engine.RunRootFor(root)
		if err := os.Mkdir(run, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(run) })
		if err := os.Chown(run, c.uid, c.uid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(run, c.mode); err != nil {
			t.Fatal(err)
		}
		r := berth(t, "--root", root, "ps", "-a")
		if r.code == 0 || !strings.Contains(r.stderr, "directory "+run+" "+c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("run directory of uid %d mode %v: want one line %q, got %v", c.uid, c.mode, c.want, r)
		}
		if entries, _ := os.ReadDir(run); len(entries) != 0 {
			t.Errorf("berth wrote into a refused run directory: %d entries", len(entries))
		}
	}
}
