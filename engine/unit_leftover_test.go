package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berthdev/berth/internal/testutil"
	"github.com/berthdev/berth/network"
)

// TestUnitKilledRemoveLeavesNoName: a remove killed between renaming the
// container to .rm-<id> and dropping its name entry, and a create killed
// between indexing its name and renaming its .tmp-<id> into place (what a
// build killed while it makes or removes a step container leaves), are
// made whole at the next Open: no entry names a container that does not
// exist, system check is clean, and the names are free again. A live
// container's entry stays.
func TestUnitKilledRemoveLeavesNoName(t *testing.T) {
	dir := t.TempDir()
	e := openUnit(t, dir)
	testImage(t, e, "unit:1")
	keep := mustCreate(t, e, noNet("keep"))
	removed := mustCreate(t, e, noNet("removed"))
	if err := os.Rename(e.containerDir(removed), filepath.Join(e.containersDir(), ".rm-"+removed)); err != nil {
		t.Fatal(err)
	}
	half := strings.Repeat("7", 64)
	if err := os.MkdirAll(filepath.Join(e.containersDir(), ".tmp-"+half), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := e.indexName("half", half); err != nil {
		t.Fatal(err)
	}

	e = openUnit(t, dir) // reconciles
	for _, n := range []string{"removed", "half"} {
		if _, err := os.Lstat(filepath.Join(e.namesDir(), n)); !os.IsNotExist(err) {
			t.Errorf("name entry %q of a container that does not exist survived Open: %v", n, err)
		}
	}
	if _, ok := e.nameOwner("keep"); !ok {
		t.Errorf("the entry of live container %.12s was removed", keep)
	}
	if lines, err := e.Check(false); err != nil || len(lines) != 0 {
		t.Errorf("Check() = %q, %v; want clean", lines, err)
	}
	for _, n := range []string{"removed", "half"} {
		mustCreate(t, e, noNet(n))
	}
}

// TestUnitDeadShimMountsSwept: a shim that died during start, before it
// recorded itself, and the run directory of a container that no longer
// exists, each with a mounted rootfs and a network namespace pinned by
// its nsfs bind mount, leave no mount at the next Open, and the unknown
// container's run directory is gone. The unknown one's RemoveAll used to
// fail on the nsfs mount point; the early shim's namespace was never
// unmounted.
func TestUnitDeadShimMountsSwept(t *testing.T) {
	testutil.RequiresRoot(t)
	dir := t.TempDir()
	e := openUnit(t, dir)
	testImage(t, e, "unit:1")
	early := mustCreate(t, e, noNet("early"))
	if err := e.markLive(early); err != nil {
		t.Fatal(err)
	}
	ghost := strings.Repeat("8", 64)
	for _, id := range []string{early, ghost} {
		merged := filepath.Join(e.runDir(id), "merged")
		if err := os.MkdirAll(merged, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mount("tmpfs", merged, "tmpfs", 0, "size=64k"); err != nil {
			t.Fatal(err)
		}
		if err := network.NewNetns(e.netnsPath(id)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, mp := range mountsUnder(dir) {
			unmount(mp)
		}
	})

	e = openUnit(t, dir) // reconciles
	if left := mountsUnder(dir); len(left) != 0 {
		t.Errorf("mounts left after Open: %q", left)
	}
	if _, err := os.Lstat(e.runDir(ghost)); !os.IsNotExist(err) {
		t.Errorf("run directory of a container that does not exist survived Open: %v", err)
	}
	if _, err := os.Lstat(e.netnsPath(early)); !os.IsNotExist(err) {
		t.Errorf("network namespace of a shim that died during start survived Open: %v", err)
	}
	if lines, err := e.Check(false); err != nil || len(lines) != 0 {
		t.Errorf("Check() = %q, %v; want clean", lines, err)
	}
}
