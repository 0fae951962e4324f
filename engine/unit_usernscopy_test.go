package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berthdev/berth/internal/lockfile"
	"github.com/berthdev/berth/internal/testutil"
)

// copiesOf is the directory of the layer copies of container id's maps and
// the chain ID of its image's layer.
func copiesOf(t *testing.T, e *Engine, id string) (dir, chain string) {
	t.Helper()
	r, err := e.loadRecord(id)
	if err != nil {
		t.Fatal(err)
	}
	uids, gids, err := recordMaps(r)
	if err != nil || uids == nil {
		t.Fatalf("container %s has no maps: %v", id, err)
	}
	return filepath.Join(e.layerCopiesDir(), mapKey(uids, gids)), filepath.Base(r.LowerDirs[len(r.LowerDirs)-1])
}

func mkdirOld(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(p, "layer", "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * copyGrace)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
}

// TestUnitCopyTempsSwept: the temporary of a chowned layer copy whose
// copier died (nobody holds its flock) is swept at the next Open and by
// system check, unreported; one a live copier holds is not, nor one made
// just now (the instant before its copier locks it), nor a finished copy.
// A purge a crash interrupted (idmapped/.rm-<map>) goes too.
func TestUnitCopyTempsSwept(t *testing.T) {
	testutil.RequiresCommand(t, "flock")
	e, _, _ := usernsStore(t, "", "", "")
	id := mustCreate(t, e, usernsOpts("a", "private"))
	dir, chain := copiesOf(t, e, id)
	done := filepath.Join(dir, chain)
	if err := os.MkdirAll(filepath.Join(done, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	dead, young, live := filepath.Join(dir, ".tmp-dead"), filepath.Join(dir, ".tmp-young"), filepath.Join(dir, ".tmp-live")
	mkdirOld(t, dead)
	mkdirOld(t, live)
	mkdirOld(t, filepath.Join(e.layerCopiesDir(), ".rm-0123456789abcdef"))
	if err := os.MkdirAll(young, 0o700); err != nil {
		t.Fatal(err)
	}
	// A copier at work, as a process of its own: flock(1) holds the
	// temporary's lock as copyOnce does.
	// Its own process group: sleep inherits the locked descriptor, and
	// the kill -9 below ends both, as it ends a shim.
	copier := exec.Command("flock", "--exclusive", live, "sleep", "300")
	copier.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := copier.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() { once.Do(func() { syscall.Kill(-copier.Process.Pid, syscall.SIGKILL); copier.Wait() }) }
	t.Cleanup(kill)
	waitFor(t, 10*time.Second, "flock(1) holds the temporary", func() bool {
		held, _ := lockfile.Held(live)
		return held
	})

	e = openUnit(t, filepath.Dir(e.root))
	exists := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	for p, want := range map[string]bool{dead: false, young: true, live: true, done: true,
		filepath.Join(e.layerCopiesDir(), ".rm-0123456789abcdef"): false} {
		if exists(p) != want {
			t.Errorf("after Open: %s exists = %v, want %v", p, !want, want)
		}
	}

	// The copier is killed: the kernel drops its lock, and check sweeps
	// what it left without a line about it.
	kill()
	// Wait reaps flock(1) alone; its sleep, which holds the descriptor
	// too, may still be dying on a loaded machine.
	waitFor(t, 10*time.Second, "the killed copier's lock to go", func() bool {
		held, _ := lockfile.Held(live)
		return !held
	})
	lines, err := e.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if exists(live) || !exists(young) || !exists(done) {
		t.Errorf("after the copier's kill -9, check: temporary exists = %v (want swept), young %v, copy %v (want kept)", exists(live), exists(young), exists(done))
	}
	for _, l := range lines {
		if strings.Contains(l, "idmapped") {
			t.Errorf("check reported a swept temporary or a used copy: %q", l)
		}
	}
}

// TestUnitCheckUnusedCopies: copies of maps no container has (a remove
// that died before renaming them away) are reported by system check and
// removed by --repair; those of a container's maps are kept.
func TestUnitCheckUnusedCopies(t *testing.T) {
	e, _, _ := usernsStore(t, "", "", "")
	id := mustCreate(t, e, usernsOpts("a", "private"))
	dir, chain := copiesOf(t, e, id)
	orphan := filepath.Join(e.layerCopiesDir(), "fedcba9876543210")
	for _, d := range []string{filepath.Join(dir, chain), filepath.Join(orphan, chain)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, repair := range []bool{false, true} {
		lines, err := e.Check(repair)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(lines, "\n"); !strings.Contains(got, "layer copies "+orphan+": no container has their ID maps") || strings.Contains(got, dir) {
			t.Errorf("Check(%v) =\n%s\nwant the unused map's copies named, not the container's", repair, got)
		}
	}
	if _, err := os.Lstat(orphan); err == nil {
		t.Errorf("check --repair kept %s", orphan)
	}
	if _, err := os.Lstat(filepath.Join(dir, chain)); err != nil {
		t.Errorf("check --repair took a container's copies: %v", err)
	}
}

// TestUnitDiskUsageCountsCopies: system df counts the chowned layer
// copies in the Images row and in their image's shared size, never as
// reclaimable or unique (removing the image frees none of them).
func TestUnitDiskUsageCountsCopies(t *testing.T) {
	e, _, _ := usernsStore(t, "", "", "")
	id := mustCreate(t, e, usernsOpts("a", "private"))
	dir, chain := copiesOf(t, e, id)
	before, err := e.DiskUsage()
	if err != nil {
		t.Fatal(err)
	}
	const n = 12345
	if err := os.MkdirAll(filepath.Join(dir, chain, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, chain, "bin", "x"), make([]byte, n), 0o644); err != nil {
		t.Fatal(err)
	}
	// A hard link is counted once, a temporary not at all.
	if err := os.Link(filepath.Join(dir, chain, "bin", "x"), filepath.Join(dir, chain, "bin", "y")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".tmp-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".tmp-1", "z"), make([]byte, 999), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := e.DiskUsage()
	if err != nil {
		t.Fatal(err)
	}
	if after.LayerCopiesSize != n || after.LayersSize-before.LayersSize != n || after.Reclaimable != before.Reclaimable {
		t.Errorf("copies %d, layers %d -> %d, reclaimable %d -> %d: want copies %d counted in the layers, not reclaimable",
			after.LayerCopiesSize, before.LayersSize, after.LayersSize, before.Reclaimable, after.Reclaimable, n)
	}
	b, a := before.Images[0], after.Images[0]
	if a.SharedSize-b.SharedSize != n || a.Size-b.Size != n || a.UniqueSize != b.UniqueSize {
		t.Errorf("image: shared %d -> %d, size %d -> %d, unique %d -> %d: want the copy's %d in shared and size only",
			b.SharedSize, a.SharedSize, b.Size, a.Size, b.UniqueSize, a.UniqueSize, n)
	}
}

// TestUnitStoreMapCopiesKept: the copies of the store-wide map
// (userns-allocate store) outlive its last container, for the next one,
// and are not called unused by system check; once their layer's
// snapshot is gone (the image removed) the next Open removes them. A
// container's own block's copies still go with it.
func TestUnitStoreMapCopiesKept(t *testing.T) {
	e, _, _ := usernsStore(t, `, "userns-allocate": "store"`, "", "")
	ctx := context.Background()
	id := mustCreate(t, e, usernsOpts("a", "private"))
	dir, chain := copiesOf(t, e, id)
	if got := e.storeMapKey(); got != filepath.Base(dir) {
		t.Fatalf("storeMapKey() = %q, want the store container's %q", got, filepath.Base(dir))
	}
	copy := filepath.Join(dir, chain)
	if err := os.MkdirAll(filepath.Join(copy, "bin"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(ctx, "a", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(copy); err != nil {
		t.Fatalf("the store map's copy went with its last container: %v", err)
	}
	lines, err := e.Check(false)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, "\n"); strings.Contains(got, "idmapped") {
		t.Errorf("check calls the store map's kept copies unused:\n%s", got)
	}
	// A container of its own block (explicit maps) is not the store's.
	own := CreateOptions{Name: "own", Image: "unit:1", Host: HostConfig{NetworkMode: "none",
		IDMappings: &IDMappings{UIDMap: []string{"0:1000000:65536"}, GIDMap: []string{"0:1000000:65536"}}}}
	oid := mustCreate(t, e, own)
	odir, _ := copiesOf(t, e, oid)
	if err := os.MkdirAll(filepath.Join(odir, chain), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(ctx, "own", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(odir); err == nil {
		t.Errorf("the copies of a container's own maps outlived it")
	}
	if _, err := e.RemoveImage("unit:1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(e.root, "snapshots", chain)); err == nil {
		t.Fatalf("rmi kept the snapshot %s", chain)
	}
	openUnit(t, filepath.Dir(e.root))
	if _, err := os.Lstat(copy); err == nil {
		t.Errorf("the copy of a layer whose snapshot is gone outlived the next Open")
	}
}
